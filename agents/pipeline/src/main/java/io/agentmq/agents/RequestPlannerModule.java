package io.agentmq.agents;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.OptionalBinder;
import com.google.inject.multibindings.ProvidesIntoSet;
import com.google.protobuf.util.Timestamps;
import io.agentmq.agents.runtime.AgentService;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.Plan;

/**
 * The Request Planner service: {@code ChangeRequest} from {@code plan.in} to a {@code Plan} on
 * {@code code.plan.in} and {@code plan.out}, in group {@code REQUEST_PLANNER_GROUP}. Bind your own
 * {@link RequestPlanner} with {@code OptionalBinder.newOptionalBinder(binder(),
 * RequestPlanner.class).setBinding().to(..)}.
 */
public final class RequestPlannerModule extends AbstractModule {
  public static final String NAME = "request-planner";

  @Override
  protected void configure() {
    OptionalBinder.newOptionalBinder(binder(), RequestPlanner.class)
        .setDefault()
        .to(ReferenceRequestPlanner.class);
  }

  @ProvidesIntoSet
  AgentService service(RequestPlanner planner, AgentsConfig agents) {
    PipelineTopics topics = agents.topics();
    return AgentService.named(NAME)
        .group(agents.group(AgentsConfig.Role.REQUEST_PLANNER))
        .concurrency(agents.concurrency())
        .maxInFlight(agents.maxInFlight())
        .on(
            topics.planIn(),
            ChangeRequest.class,
            (request, context) -> {
              ChangeRequest identified =
                  request.getId().isEmpty()
                      ? request.toBuilder().setId(context.correlationId()).build()
                      : request;
              Plan plan =
                  planner.plan(identified).toBuilder()
                      .setMetadata(PipelineMetadata.of(context))
                      .setCreatedAt(Timestamps.now())
                      .build();
              context.emit(topics.codePlanIn(), plan.getRequestId(), plan);
              context.emit(topics.planOut(), plan.getRequestId(), plan);
            })
        .build();
  }
}
