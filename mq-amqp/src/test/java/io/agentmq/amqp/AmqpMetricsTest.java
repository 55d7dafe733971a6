package io.agentmq.amqp;

import io.agentmq.api.MqConfig;
import io.agentmq.micrometer.MetricsContract;
import org.junit.jupiter.api.DisplayName;

@DisplayName("amqp metrics of a plain-API service on /metrics")
class AmqpMetricsTest extends MetricsContract {
  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return AmqpTestBroker.configure(builder);
  }
}
