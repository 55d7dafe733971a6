package io.agentmq.memory;

import io.agentmq.api.MqConfig;
import io.agentmq.opentelemetry.TracingContract;
import org.junit.jupiter.api.DisplayName;

@DisplayName("memory tracing through OpenTelemetry")
class MemoryTracingTest extends TracingContract {
  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder.brokerType("memory");
  }
}
