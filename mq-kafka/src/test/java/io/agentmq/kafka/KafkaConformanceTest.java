package io.agentmq.kafka;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.Capabilities;
import io.agentmq.tck.MessageQueueConformanceSuite;
import org.junit.jupiter.api.DisplayName;

@DisplayName("kafka backend conformance")
class KafkaConformanceTest extends MessageQueueConformanceSuite {

  /**
   * Kafka persists, orders per key, has groups, and lets a new group read history. Not yet
   * declared: exactly-once (transactions are not wired into the consumer yet) and the broker
   * restart case.
   */
  @Override
  protected Capabilities capabilities() {
    return Capabilities.all().withoutExactlyOnce().withoutBrokerRestart();
  }

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder
        .brokerType("kafka")
        .set("kafka.bootstrap_servers", KafkaTestBroker.bootstrapServers())
        .set("kafka.linger_ms", "1");
  }
}
