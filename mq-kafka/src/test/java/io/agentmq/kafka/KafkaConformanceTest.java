package io.agentmq.kafka;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.Capabilities;
import io.agentmq.tck.MessageQueueConformanceSuite;
import org.junit.jupiter.api.DisplayName;

@DisplayName("kafka backend conformance")
class KafkaConformanceTest extends MessageQueueConformanceSuite {

  /**
   * Everything: persistence, per-key order, groups, exactly-once through transactions, history for
   * new groups, and broker restarts ({@link KafkaBrokerRestartTest}).
   */
  @Override
  protected Capabilities capabilities() {
    return Capabilities.all();
  }

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder
        .brokerType("kafka")
        .set("kafka.bootstrap_servers", KafkaTestBroker.bootstrapServers())
        .set("kafka.linger_ms", "1")
        // A resumed partition (after a retry's backoff) waits for the fetch in flight; Kafka's
        // 500 ms default would add that to every retry of the suite.
        .set("kafka.client.fetch.max.wait.ms", "50");
  }
}
