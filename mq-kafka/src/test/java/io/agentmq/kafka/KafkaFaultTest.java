package io.agentmq.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.TopicSpec;
import io.agentmq.tck.fault.ConsumerKillScenario;
import io.agentmq.tck.fault.FrozenConsumerScenario;
import io.agentmq.tck.fault.PoisonCrashScenario;
import io.agentmq.tck.fault.ReliabilityReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real faults against a real Kafka broker: consumer processes that die without a goodbye. */
class KafkaFaultTest {
  @TempDir Path dir;

  /**
   * The consumer processes' settings: a short session, so a killed member's partitions move in
   * seconds rather than Kafka's default 45.
   */
  private static Map<String, String> consumerEnvironment() {
    return Map.of(
        "MQ_BROKER_TYPE", "kafka",
        "KAFKA_BOOTSTRAP_SERVERS", KafkaTestBroker.bootstrapServers(),
        "MQ_KAFKA_CLIENT__SESSION__TIMEOUT__MS", "6000",
        "MQ_KAFKA_CLIENT__HEARTBEAT__INTERVAL__MS", "1000",
        "MQ_KAFKA_CLIENT__FETCH__MAX__WAIT__MS", "50");
  }

  @Test
  @Timeout(600)
  @DisplayName(
      "loses no acknowledged message when the consumer process is killed with SIGKILL three times"
          + " mid-stream; what was in flight comes back once more and is counted")
  void consumerProcessKilled() throws Exception {
    String topic = "fault-kill-" + UUID.randomUUID().toString().substring(0, 8);
    try (MessageQueue queue =
        MessageQueue.create(KafkaTestBroker.configure(MqConfig.builder()).build())) {
      queue.admin().createTopic(TopicSpec.of(topic, 4));

      ConsumerKillScenario.Result result =
          ConsumerKillScenario.run(
              queue, consumerEnvironment(), topic, "fault-readers", 4_000, 3, dir);

      System.out.println("kafka, consumer SIGKILL x3: " + result);
      ReliabilityReport.record("kafka", "consumer process SIGKILL x3, at-least-once", result);
      assertThat(result.report().lost()).isEmpty();
      assertThat(result.report().acknowledged()).isEqualTo(4_000);
      // Per key, first deliveries keep the order of the sends.
      assertThat(result.report().reordered()).isZero();
    }
  }

  @Test
  @Timeout(600)
  @DisplayName(
      "dead-letters a message that kills its consumer process every time, after max_retries + 1"
          + " crashes counted as attempts (plus the first, uncounted), and the messages behind it"
          + " flow")
  void poisonKillsTheConsumer() throws Exception {
    String topic = "fault-poison-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> environment = new HashMap<>(consumerEnvironment());
    environment.put("MQ_MAX_RETRIES", "2");
    try (MessageQueue queue =
        MessageQueue.create(KafkaTestBroker.configure(MqConfig.builder()).build())) {
      queue.admin().createTopic(TopicSpec.of(topic, 1));

      PoisonCrashScenario.Result result =
          PoisonCrashScenario.run(queue, environment, topic, "poison-readers", 40, 8, dir);

      System.out.println("kafka, poison crash: " + result);
      ReliabilityReport.record(
          "kafka",
          "poison message kills the consumer process (max_retries 2)",
          result.report(),
          result.crashes() + " crashes, then dead-lettered");
      // max_retries + 2: the first crash, while the partition runs normally, is tied to no record
      // (that would take a synchronous commit per record); the next owner recovers one record at a
      // time, committing an attempt marker before each, and counts the next three.
      assertThat(result.crashes()).isEqualTo(4);
      assertThat(result.deadLetterReason()).contains("no outcome after 3 attempts");
      assertThat(result.report().lost()).isEmpty();
    }
  }

  @Test
  @Timeout(600)
  @DisplayName(
      "loses no acknowledged message when a consumer process is frozen with SIGSTOP past its"
          + " session timeout: the group moves its partitions, and the thawed zombie hands out"
          + " nothing the group gave away")
  void consumerProcessFrozen() throws Exception {
    String topic = "fault-frozen-" + UUID.randomUUID().toString().substring(0, 8);
    try (MessageQueue queue =
        MessageQueue.create(KafkaTestBroker.configure(MqConfig.builder()).build())) {
      queue.admin().createTopic(TopicSpec.of(topic, 4));

      FrozenConsumerScenario.Result result =
          FrozenConsumerScenario.run(
              queue,
              consumerEnvironment(),
              topic,
              "frozen-readers",
              6_000,
              Duration.ofSeconds(15),
              dir);

      System.out.println("kafka, consumer frozen 15 s: " + result);
      ReliabilityReport.record(
          "kafka",
          "consumer process frozen (SIGSTOP) 15 s, past its 6 s session",
          result.report(),
          result.handledByOtherWhileFrozen()
              + " handled by the other consumer meanwhile; "
              + result.duplicatesByZombie()
              + " of the duplicates by the thawed zombie");
      assertThat(result.report().lost()).isEmpty();
      assertThat(result.report().acknowledged()).isEqualTo(6_000);
      assertThat(result.handledByOtherWhileFrozen()).isPositive();
      // Thawed, the zombie hands out nothing more until the group confirms its assignment: the
      // duplicates are what it had handled but not committed before it froze, plus at most the
      // one handler (consumer.concurrency 1) the freeze caught mid-run, which finishes after the
      // thaw: handlers are never interrupted.
      assertThat(result.duplicatesByZombie()).isLessThanOrEqualTo(1);
    }
  }
}
