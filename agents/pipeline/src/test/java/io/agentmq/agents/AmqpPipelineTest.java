package io.agentmq.agents;

import io.agentmq.api.MqConfig;

/** On the RabbitMQ of {@code AMQP_URL}, else the local one (guest/guest). */
class AmqpPipelineTest extends PipelineEndToEndSuite {
  @Override
  protected MqConfig.Builder backend(MqConfig.Builder builder) {
    String url = System.getenv("AMQP_URL");
    return builder
        .brokerType("amqp")
        .set("amqp.url", url != null && !url.isBlank() ? url : "amqp://guest:guest@127.0.0.1:5672");
  }
}
