package io.agentmq.agents.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.agents.PipelineTopics;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.tck.TestServices;
import io.agentmq.tck.fault.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code agentmq run} does not linger as a zombie when a service cannot consume any more. */
class RunWatchdogTest {
  @TempDir Path tmp;

  @Test
  @Timeout(120)
  @DisplayName(
      "run exits with 70, naming the reason, once a service has been DOWN for"
          + " agents.unhealthy_exit_ms (here: RabbitMQ cancelled its consumer)")
  void exitsWhenAServiceStaysDown() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String amqp = TestServices.amqpUrl();
    Map<String, String> environment =
        Map.of(
            "MQ_BROKER_TYPE",
            "amqp",
            "AMQP_URL",
            amqp,
            "MQ_AGENTS_TOPIC_PREFIX",
            "watchdog-" + run + ".",
            "MQ_AGENTS_UNHEALTHY_EXIT_MS",
            "2000",
            "REQUEST_PLANNER_GROUP",
            "planners-" + run);
    PipelineTopics topics =
        AgentsConfig.of(AgentsConfig.register(MqConfig.builder()).environment(environment).build())
            .topics();
    Path log = tmp.resolve("run.log");
    try (ChildJvm agents =
            ChildJvm.start(
                AgentMqCommand.class, List.of("run", "request-planner"), environment, log);
        MessageQueue queue =
            MessageQueue.create(
                MqConfig.builder().brokerType("amqp").set("amqp.url", amqp).build())) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> Files.exists(log) && Files.readString(log).contains("running request-planner"));

      // The service's queue goes away: RabbitMQ cancels its consumer, which cannot consume again.
      topics.withDeadLetterTopics().forEach(queue.admin()::deleteTopic);

      await().atMost(Duration.ofSeconds(60)).until(() -> !agents.isAlive());
      assertThat(agents.stop()).isEqualTo(RunCommand.EXIT_UNHEALTHY);
      assertThat(Files.readString(log, StandardCharsets.UTF_8))
          .contains("the services have been DOWN for 2000 ms (agents.unhealthy_exit_ms)")
          .contains("RabbitMQ cancelled the consumer");
    }
  }
}
