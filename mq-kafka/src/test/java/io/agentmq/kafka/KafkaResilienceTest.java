package io.agentmq.kafka;

import io.agentmq.api.MqConfig;
import io.agentmq.resilience.ResilienceContract;
import org.junit.jupiter.api.DisplayName;

@DisplayName("kafka circuit breaker and rate limits")
class KafkaResilienceTest extends ResilienceContract {
  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return KafkaTestBroker.configure(builder);
  }
}
