package io.agentmq.agents;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.OptionalBinder;
import com.google.inject.multibindings.ProvidesIntoSet;
import io.agentmq.agents.coding.GitCodingAgent;
import io.agentmq.agents.runtime.AgentService;
import io.agentmq.proto.v1.CodingTask;

/**
 * The Coding Agent service: {@code CodingTask} from {@code coding.task.in} to one {@code
 * CommitResult} on {@code commit.out} carrying the task's {@code BuildReport} (field {@code
 * build}); group {@code CODING_AGENT_GROUP}. The default agent commits with git ({@link
 * GitCodingAgent}); bind your own {@link CodingAgent} with an {@code OptionalBinder}.
 */
public final class CodingAgentModule extends AbstractModule {
  public static final String NAME = "coding-agent";

  @Override
  protected void configure() {
    OptionalBinder.newOptionalBinder(binder(), CodingAgent.class)
        .setDefault()
        .to(GitCodingAgent.class);
  }

  @ProvidesIntoSet
  AgentService service(CodingAgent agent, AgentsConfig agents) {
    PipelineTopics topics = agents.topics();
    return AgentService.named(NAME)
        .group(agents.group(AgentsConfig.Role.CODING_AGENT))
        .concurrency(agents.concurrency())
        .maxInFlight(agents.maxInFlight())
        .on(
            topics.codingTaskIn(),
            CodingTask.class,
            (task, context) -> {
              CodingAgent.Outcome outcome = agent.apply(task);
              context.emit(
                  topics.commitOut(),
                  task.getRequestId(),
                  outcome.result().toBuilder().setMetadata(PipelineMetadata.of(context)).build());
            })
        .build();
  }
}
