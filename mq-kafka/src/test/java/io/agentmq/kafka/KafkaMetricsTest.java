package io.agentmq.kafka;

import io.agentmq.api.MqConfig;
import io.agentmq.micrometer.MetricsContract;
import org.junit.jupiter.api.DisplayName;

@DisplayName("kafka metrics of a plain-API service on /metrics")
class KafkaMetricsTest extends MetricsContract {
  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return KafkaTestBroker.configure(builder);
  }
}
