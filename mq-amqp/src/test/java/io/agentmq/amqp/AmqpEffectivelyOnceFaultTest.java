package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.DeliveryMode;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.tck.TestServices;
import io.agentmq.tck.fault.EffectivelyOnceKillScenario;
import io.agentmq.tck.fault.ReliabilityReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * RabbitMQ's "effectively once" under real crashes: exactly-once consumer processes with the
 * PostgreSQL idempotency store, killed with SIGKILL, on the real broker and the real database.
 */
class AmqpEffectivelyOnceFaultTest {
  /** The PostgreSQL on this machine (database {@code test}, trust auth), or the one named. */
  static String store() {
    return TestServices.jdbcUrl();
  }

  @TempDir Path dir;

  @Test
  @Timeout(600)
  @DisplayName(
      "relays every message downstream exactly once when an effectively-once consumer process with"
          + " the PostgreSQL idempotency store is killed with SIGKILL three times; the handler runs"
          + " the kills repeated are counted")
  void consumerProcessKilled() throws Exception {
    String topic = "fault-eo-" + UUID.randomUUID().toString().substring(0, 8);
    String group = "relayers";
    String relayTopic = EffectivelyOnceKillScenario.relayTopic(topic);
    try (MessageQueue queue =
        MessageQueue.create(
            AmqpTestBroker.configure(MqConfig.builder())
                .set("amqp.idempotency_store", store())
                .deliveryMode(DeliveryMode.EXACTLY_ONCE)
                .declareGroups(topic, List.of(group))
                .declareGroups(relayTopic, List.of("downstream"))
                .build())) {
      try {
        EffectivelyOnceKillScenario.Result result =
            EffectivelyOnceKillScenario.run(
                queue,
                Map.of(
                    "MQ_BROKER_TYPE",
                    "amqp",
                    "AMQP_URL",
                    AmqpTestBroker.url(),
                    "MQ_DELIVERY_MODE",
                    "exactly_once",
                    "MQ_AMQP_IDEMPOTENCY_STORE",
                    store()),
                topic,
                group,
                2_000,
                3,
                dir);

        System.out.println("amqp, effectively-once consumer SIGKILL x3: " + result);
        String recovery = Long.toString(result.slowestRecovery().toMillis());
        ReliabilityReport.record(
            "amqp",
            "consumer process SIGKILL x3, effectively-once (PostgreSQL store): handler runs",
            result.handled(),
            recovery);
        ReliabilityReport.record(
            "amqp",
            "consumer process SIGKILL x3, effectively-once (PostgreSQL store): relayed downstream",
            result.relayed(),
            recovery);
        assertThat(result.handled().lost()).isEmpty();
        assertThat(result.relayed().lost()).isEmpty();
        assertThat(result.relayed().acknowledged()).isEqualTo(2_000);
        assertThat(result.relayed().duplicates()).isZero();
      } finally {
        queue.admin().deleteTopic(topic);
        queue.admin().deleteTopic(relayTopic);
      }
    }
  }
}
