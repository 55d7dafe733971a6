package io.agentmq.spi;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import java.util.Map;

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
   * The configuration section this backend owns and validates, e.g. {@code kafka} for {@code
   * kafka.*}; its name by default. Keys there are accepted by {@link MqConfig} and read through
   * {@link MqConfig#section(String)}.
   */
  default String configSection() {
    return name();
  }

  /**
   * Environment variables of this backend beside the generic {@code MQ_<SECTION>_<KEY>}, mapped to
   * keys of its section, e.g. {@code KAFKA_BOOTSTRAP_SERVERS} to {@code bootstrap_servers}. None by
   * default.
   */
  default Map<String, String> environmentAliases() {
    return Map.of();
  }

  /**
   * Connects to the broker described by {@code config}.
   *
   * @throws io.agentmq.api.ConfigException when the backend's settings are invalid
   * @throws io.agentmq.api.MessagingException when the broker cannot be reached
   */
  MessageQueue create(MqConfig config);
}
