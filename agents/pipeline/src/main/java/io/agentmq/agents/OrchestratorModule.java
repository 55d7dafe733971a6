package io.agentmq.agents;

import com.google.inject.AbstractModule;
import com.google.inject.Singleton;
import com.google.inject.multibindings.OptionalBinder;
import com.google.inject.multibindings.ProvidesIntoSet;
import io.agentmq.agents.runtime.AgentService;
import io.agentmq.proto.v1.BuildReport;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.Plan;

/**
 * The Orchestrator service: follows requests through {@code plan.out} and {@code commit.out} in
 * group {@code ORCHESTRATOR_GROUP}, and submits new ones ({@link Orchestrator#submit}). Bind your
 * own {@link Orchestrator} with an {@code OptionalBinder}.
 */
public final class OrchestratorModule extends AbstractModule {
  public static final String NAME = "orchestrator";

  @Override
  protected void configure() {
    OptionalBinder.newOptionalBinder(binder(), Orchestrator.class)
        .setDefault()
        .to(RequestTracker.class);
    bind(RequestTracker.class).in(Singleton.class);
  }

  @ProvidesIntoSet
  AgentService service(Orchestrator orchestrator, AgentsConfig agents) {
    PipelineTopics topics = agents.topics();
    return AgentService.named(NAME)
        .group(agents.group(AgentsConfig.Role.ORCHESTRATOR))
        .concurrency(agents.concurrency())
        .maxInFlight(agents.maxInFlight())
        .on(topics.planOut(), Plan.class, (plan, context) -> orchestrator.onPlan(plan))
        .on(
            topics.commitOut(),
            CommitResult.class,
            (commit, context) -> orchestrator.onCommit(commit))
        .on(topics.commitOut(), BuildReport.class, (build, context) -> orchestrator.onBuild(build))
        .build();
  }
}
