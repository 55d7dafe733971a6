package io.agentmq.spi;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;

/**
 * A backend, found through {@link java.util.ServiceLoader}: each backend module lists its provider
 * in {@code META-INF/services/io.agentmq.spi.MessageQueueProvider}.
 *
 * <p>Implementations have a public no-argument constructor that does no I/O; they connect in {@link
 * #create}.
 */
public interface MessageQueueProvider {

  /** The name users put in {@code MQ_BROKER_TYPE}: lower case, e.g. {@code kafka}. */
  String name();

  /**
   * Connects to the broker described by {@code config}.
   *
   * @throws io.agentmq.api.ConfigException when the backend's settings are invalid
   * @throws io.agentmq.api.MessagingException when the broker cannot be reached
   */
  MessageQueue create(MqConfig config);
}
