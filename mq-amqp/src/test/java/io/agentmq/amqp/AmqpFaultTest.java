package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.tck.fault.ConsumerKillScenario;
import io.agentmq.tck.fault.FrozenConsumerScenario;
import io.agentmq.tck.fault.PoisonCrashScenario;
import io.agentmq.tck.fault.ReliabilityReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real faults against a real RabbitMQ: consumer processes that die without a goodbye. */
class AmqpFaultTest {
  @TempDir Path dir;

  @Test
  @Timeout(600)
  @DisplayName(
      "loses no acknowledged message when the consumer process is killed with SIGKILL three times"
          + " mid-stream; the broker requeues what was unacknowledged, counted as duplicates")
  void consumerProcessKilled() throws Exception {
    String topic = "fault-kill-" + UUID.randomUUID().toString().substring(0, 8);
    String group = "fault-readers";
    try (MessageQueue queue =
        MessageQueue.create(
            AmqpTestBroker.configure(MqConfig.builder())
                .declareGroups(topic, List.of(group))
                .build())) {
      try {
        ConsumerKillScenario.Result result =
            ConsumerKillScenario.run(
                queue,
                Map.of("MQ_BROKER_TYPE", "amqp", "AMQP_URL", AmqpTestBroker.url()),
                topic,
                group,
                4_000,
                3,
                dir);

        System.out.println("amqp, consumer SIGKILL x3: " + result);
        ReliabilityReport.record("amqp", "consumer process SIGKILL x3, at-least-once", result);
        assertThat(result.report().lost()).isEmpty();
        assertThat(result.report().acknowledged()).isEqualTo(4_000);
      } finally {
        queue.admin().deleteTopic(topic);
      }
    }
  }

  @Test
  @Timeout(600)
  @DisplayName(
      "dead-letters a message that kills its consumer process every time, once the handlings the"
          + " durable idempotency store counted use up max_retries, and the messages behind it"
          + " flow")
  void poisonKillsTheConsumer() throws Exception {
    String topic = "fault-poison-" + UUID.randomUUID().toString().substring(0, 8);
    String group = "poison-readers";
    try (MessageQueue queue =
        MessageQueue.create(
            AmqpTestBroker.configure(MqConfig.builder())
                .declareGroups(topic, List.of(group))
                .build())) {
      try {
        PoisonCrashScenario.Result result =
            PoisonCrashScenario.run(
                queue,
                Map.of(
                    "MQ_BROKER_TYPE",
                    "amqp",
                    "AMQP_URL",
                    AmqpTestBroker.url(),
                    "MQ_MAX_RETRIES",
                    "2",
                    "MQ_AMQP_IDEMPOTENCY_STORE",
                    AmqpEffectivelyOnceFaultTest.store()),
                topic,
                group,
                40,
                8,
                dir);

        System.out.println("amqp, poison crash: " + result);
        ReliabilityReport.record(
            "amqp",
            "poison message kills the consumer process (max_retries 2, PostgreSQL store)",
            result.report(),
            result.crashes() + " crashes, then dead-lettered");
        // The first handling (not a redelivery) and then max_retries + 1 counted ones.
        assertThat(result.crashes()).isEqualTo(3);
        assertThat(result.deadLetterReason()).contains("no outcome after 3 attempts");
        assertThat(result.report().lost()).isEmpty();
      } finally {
        queue.admin().deleteTopic(topic);
      }
    }
  }

  @Test
  @Timeout(600)
  @DisplayName(
      "loses no acknowledged message when a consumer process is frozen with SIGSTOP past its"
          + " heartbeat timeout: RabbitMQ closes its connection and requeues what it held for the"
          + " other consumer, and the thawed zombie's work is counted as duplicates")
  void consumerProcessFrozen() throws Exception {
    String topic = "fault-frozen-" + UUID.randomUUID().toString().substring(0, 8);
    String group = "frozen-readers";
    try (MessageQueue queue =
        MessageQueue.create(
            AmqpTestBroker.configure(MqConfig.builder())
                .declareGroups(topic, List.of(group))
                .build())) {
      try {
        FrozenConsumerScenario.Result result =
            FrozenConsumerScenario.run(
                queue,
                Map.of("MQ_BROKER_TYPE", "amqp", "AMQP_URL", AmqpTestBroker.url()),
                topic,
                group,
                6_000,
                Duration.ofSeconds(30),
                dir);

        System.out.println("amqp, consumer frozen 30 s: " + result);
        ReliabilityReport.record(
            "amqp",
            "consumer process frozen (SIGSTOP) 30 s, past its 10 s heartbeat",
            result.report(),
            result.handledByOtherWhileFrozen()
                + " handled by the other consumer meanwhile; "
                + result.duplicatesByZombie()
                + " of the duplicates by the thawed zombie");
        assertThat(result.report().lost()).isEmpty();
        assertThat(result.report().acknowledged()).isEqualTo(6_000);
        assertThat(result.handledByOtherWhileFrozen()).isPositive();
      } finally {
        queue.admin().deleteTopic(topic);
      }
    }
  }
}
