package io.agentmq.kafka;

import io.agentmq.api.MqConfig;
import io.agentmq.opentelemetry.TracingContract;
import org.junit.jupiter.api.DisplayName;

@DisplayName("kafka tracing through OpenTelemetry")
class KafkaTracingTest extends TracingContract {
  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return KafkaTestBroker.configure(builder);
  }
}
