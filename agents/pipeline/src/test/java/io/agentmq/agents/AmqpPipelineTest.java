package io.agentmq.agents;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.TestServices;

/** On the RabbitMQ of {@code AMQP_URL}, else the local one (guest/guest). */
class AmqpPipelineTest extends PipelineEndToEndSuite {
  @Override
  protected MqConfig.Builder backend(MqConfig.Builder builder) {
    return builder.brokerType("amqp").set("amqp.url", TestServices.amqpUrl());
  }
}
