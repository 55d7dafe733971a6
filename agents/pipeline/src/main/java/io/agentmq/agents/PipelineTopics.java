package io.agentmq.agents;

import io.agentmq.agents.AgentsConfig.Role;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.TopicSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The topics of the agent pipeline: {@code plan.in}, {@code code.plan.in}, {@code plan.out}, {@code
 * coding.task.in} and {@code commit.out}, each behind an optional prefix ({@code
 * agents.topic_prefix}) so that several pipelines can share one broker.
 *
 * @param prefix put before every topic name; empty by default
 */
public record PipelineTopics(String prefix) {
  /** The topics without a prefix. */
  public static final PipelineTopics DEFAULT = new PipelineTopics("");

  public PipelineTopics {
    if (!prefix.isEmpty() && !TopicSpec.isValidName(prefix + "plan.in")) {
      throw new IllegalArgumentException(
          "topic prefix '" + prefix + "' does not make valid topic names; " + TopicSpec.NAME_RULE);
    }
  }

  /** {@code ChangeRequest}: Orchestrator to Request Planner. */
  public String planIn() {
    return prefix + "plan.in";
  }

  /** {@code Plan}: Request Planner to Code Planner. */
  public String codePlanIn() {
    return prefix + "code.plan.in";
  }

  /** {@code Plan}: Request Planner to anyone watching; the Orchestrator learns the task count. */
  public String planOut() {
    return prefix + "plan.out";
  }

  /** {@code CodingTask}: Code Planner to Coding Agent. */
  public String codingTaskIn() {
    return prefix + "coding.task.in";
  }

  /** {@code CommitResult} and {@code BuildReport}: Coding Agent to Orchestrator. */
  public String commitOut() {
    return prefix + "commit.out";
  }

  /** The five topics, in pipeline order. */
  public List<String> all() {
    return List.of(planIn(), codePlanIn(), planOut(), codingTaskIn(), commitOut());
  }

  /** The five topics and their dead-letter topics. */
  public List<String> withDeadLetterTopics() {
    List<String> names = new ArrayList<>(all());
    all().forEach(t -> names.add(DeadLetterPolicy.deadLetterTopic(t)));
    return names;
  }

  /**
   * Which group reads which topic: declared up front ({@code topics.<topic>.groups}) so that each
   * topic's messages are kept from the first one on, whichever service starts first.
   */
  public Map<String, List<String>> readers(AgentsConfig agents) {
    Map<String, List<String>> readers = new LinkedHashMap<>();
    readers.put(planIn(), List.of(agents.group(Role.REQUEST_PLANNER)));
    readers.put(codePlanIn(), List.of(agents.group(Role.CODE_PLANNER)));
    readers.put(planOut(), List.of(agents.group(Role.ORCHESTRATOR)));
    readers.put(codingTaskIn(), List.of(agents.group(Role.CODING_AGENT)));
    readers.put(commitOut(), List.of(agents.group(Role.ORCHESTRATOR)));
    return readers;
  }
}
