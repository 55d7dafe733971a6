package io.agentmq.memory;

import io.agentmq.api.MqConfig;
import io.agentmq.micrometer.MetricsContract;
import org.junit.jupiter.api.DisplayName;

@DisplayName("memory metrics of a plain-API service on /metrics")
class MemoryMetricsTest extends MetricsContract {
  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder.brokerType("memory");
  }
}
