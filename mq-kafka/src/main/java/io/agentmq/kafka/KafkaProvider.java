package io.agentmq.kafka;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.spi.MessageQueueProvider;
import java.util.Map;

/**
 * The {@code kafka} backend: set {@code MQ_BROKER_TYPE=kafka} and {@code KAFKA_BOOTSTRAP_SERVERS}.
 */
public final class KafkaProvider implements MessageQueueProvider {
  public static final String NAME = "kafka";

  @Override
  public String name() {
    return NAME;
  }

  /** {@code KAFKA_BOOTSTRAP_SERVERS}, the name Kafka's own tools and images use. */
  @Override
  public Map<String, String> environmentAliases() {
    return Map.of("KAFKA_BOOTSTRAP_SERVERS", "bootstrap_servers");
  }

  @Override
  public MessageQueue create(MqConfig config) {
    return new KafkaMessageQueue(new KafkaConfig(config));
  }
}
