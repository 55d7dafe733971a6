package io.agentmq.memory;

import io.agentmq.api.MqConfig;
import io.agentmq.resilience.ResilienceContract;
import org.junit.jupiter.api.DisplayName;

@DisplayName("memory circuit breaker and rate limits")
class MemoryResilienceTest extends ResilienceContract {
  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder.brokerType("memory");
  }
}
