package io.agentmq.amqp;

import io.agentmq.api.MqConfig;
import io.agentmq.opentelemetry.TracingContract;
import org.junit.jupiter.api.DisplayName;

@DisplayName("amqp tracing through OpenTelemetry")
class AmqpTracingTest extends TracingContract {
  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return AmqpTestBroker.configure(builder);
  }
}
