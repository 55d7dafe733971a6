package io.agentmq.agents;

import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.MqConfig;
import java.util.ArrayList;
import java.util.List;

/** The topics of the agent pipeline. */
public final class PipelineTopics {
  /** {@code ChangeRequest}: Orchestrator to Request Planner. */
  public static final String PLAN_IN = "plan.in";

  /** {@code Plan}: Request Planner to Code Planner. */
  public static final String CODE_PLAN_IN = "code.plan.in";

  /** {@code Plan}: Request Planner to anyone watching; the Orchestrator learns the task count. */
  public static final String PLAN_OUT = "plan.out";

  /** {@code CodingTask}: Code Planner to Coding Agent. */
  public static final String CODING_TASK_IN = "coding.task.in";

  /** {@code CommitResult} and {@code BuildReport}: Coding Agent to Orchestrator. */
  public static final String COMMIT_OUT = "commit.out";

  /** The five topics, in pipeline order. */
  public static final List<String> ALL =
      List.of(PLAN_IN, CODE_PLAN_IN, PLAN_OUT, CODING_TASK_IN, COMMIT_OUT);

  private PipelineTopics() {}

  /** The five topics and their dead-letter topics. */
  public static List<String> withDeadLetterTopics() {
    List<String> names = new ArrayList<>(ALL);
    ALL.forEach(t -> names.add(DeadLetterPolicy.deadLetterTopic(t)));
    return names;
  }

  /**
   * Which group reads which topic, as {@code topic:group,...}: given to RabbitMQ as {@code
   * amqp.required_groups} so that each topic's queues exist before the first message, whichever
   * service starts first (RabbitMQ refuses a message no queue would keep).
   */
  public static String readers(MqConfig config) {
    String orchestrator = config.group("orchestrator");
    return String.join(
        ",",
        PLAN_IN + ":" + config.group("request_planner"),
        CODE_PLAN_IN + ":" + config.group("code_planner"),
        PLAN_OUT + ":" + orchestrator,
        CODING_TASK_IN + ":" + config.group("coding_agent"),
        COMMIT_OUT + ":" + orchestrator);
  }
}
