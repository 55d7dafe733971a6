package io.agentmq.amqp;

import io.agentmq.api.MqConfig;
import io.agentmq.opentelemetry.TracingContract;
import org.junit.jupiter.api.DisplayName;

@DisplayName("amqp tracing through OpenTelemetry")
class AmqpTracingTest extends TracingContract {
  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder
        .brokerType("amqp")
        .set("amqp.url", AmqpTestBroker.url())
        .set("amqp.management_url", AmqpTestBroker.managementUrl());
  }
}
