package io.agentmq.kafka;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.Capabilities;
import io.agentmq.tck.MessageQueueConformanceSuite;
import org.junit.jupiter.api.DisplayName;

@DisplayName("kafka backend conformance")
class KafkaConformanceTest extends MessageQueueConformanceSuite {

  /**
   * Kafka persists, orders per key, has groups, exactly-once through transactions, and lets a new
   * group read history. The broker-restart case is not declared: the in-JVM test broker cannot be
   * restarted on the same address.
   */
  @Override
  protected Capabilities capabilities() {
    return Capabilities.all().withoutBrokerRestart();
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
