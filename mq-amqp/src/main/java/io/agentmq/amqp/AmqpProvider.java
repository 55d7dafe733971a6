package io.agentmq.amqp;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.spi.MessageQueueProvider;
import java.util.Map;

/** The {@code amqp} backend (RabbitMQ): set {@code MQ_BROKER_TYPE=amqp} and {@code AMQP_URL}. */
public final class AmqpProvider implements MessageQueueProvider {
  public static final String NAME = "amqp";

  @Override
  public String name() {
    return NAME;
  }

  /**
   * {@code AMQP_URL}: the broker's URL, credentials included; for a cluster, several URLs separated
   * by commas.
   */
  @Override
  public Map<String, String> environmentAliases() {
    return Map.of("AMQP_URL", "url");
  }

  @Override
  public MessageQueue create(MqConfig config) {
    return new AmqpMessageQueue(new AmqpConfig(config));
  }
}
