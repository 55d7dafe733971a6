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
    return KafkaTestBroker.configure(builder);
  }
}
