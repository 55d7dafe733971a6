package io.agentmq.kafka;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.DeadLetterOpsContract;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;

@DisplayName("kafka dead-letter operations")
class KafkaDeadLetterOpsTest extends DeadLetterOpsContract {
  @Override
  protected Map<String, String> processSettings() {
    return Map.of(
        "broker_type", "kafka", "kafka.bootstrap_servers", KafkaTestBroker.bootstrapServers());
  }

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return KafkaTestBroker.configure(builder);
  }
}
