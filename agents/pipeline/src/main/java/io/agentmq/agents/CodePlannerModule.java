package io.agentmq.agents;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.OptionalBinder;
import com.google.inject.multibindings.ProvidesIntoSet;
import io.agentmq.agents.runtime.AgentService;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.Plan;

/**
 * The Code Planner service: {@code Plan} from {@code code.plan.in} to {@code CodingTask}s on {@code
 * coding.task.in}, keyed by the request id so one request's tasks stay in order; group {@code
 * CODE_PLANNER_GROUP}. Bind your own {@link CodePlanner} with an {@code OptionalBinder}.
 */
public final class CodePlannerModule extends AbstractModule {
  public static final String NAME = "code-planner";

  @Override
  protected void configure() {
    OptionalBinder.newOptionalBinder(binder(), CodePlanner.class)
        .setDefault()
        .to(ReferenceCodePlanner.class);
  }

  @ProvidesIntoSet
  AgentService service(CodePlanner planner, AgentsConfig agents) {
    PipelineTopics topics = agents.topics();
    return AgentService.named(NAME)
        .group(agents.group(AgentsConfig.Role.CODE_PLANNER))
        .concurrency(agents.concurrency())
        .maxInFlight(agents.maxInFlight())
        .on(
            topics.codePlanIn(),
            Plan.class,
            (plan, context) -> {
              for (CodingTask task : planner.tasks(plan)) {
                context.emit(
                    topics.codingTaskIn(),
                    task.getRequestId(),
                    task.toBuilder().setMetadata(PipelineMetadata.of(context)).build());
              }
            })
        .build();
  }
}
