package io.agentmq.api;

import io.agentmq.api.deadletter.DeadLetters;
import io.agentmq.spi.MessageQueueProviders;
import java.util.List;

/**
 * A connection to one broker through the backend named by {@code broker_type} ({@code
 * MQ_BROKER_TYPE}): {@code memory}, {@code kafka} or {@code amqp}.
 *
 * <pre>{@code
 * try (MessageQueue queue = MessageQueue.fromEnvironment()) {
 *   Producer producer = queue.createProducer();
 *   queue.subscribe(Subscription.to("greetings").group("printer")
 *       .handler(d -> System.out.println(d.message().payloadAsText())).build());
 *   producer.sendAndWait("greetings", Message.ofText("hello"));
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} closes every producer and consumer created from it.
 */
public interface MessageQueue extends AutoCloseable {

  /**
   * Opens the backend named by {@code config.brokerType()}, found through {@link
   * java.util.ServiceLoader}.
   *
   * @throws ConfigException when no installed backend has that name; the message lists the
   *     installed ones and the artifact to add
   */
  static MessageQueue create(MqConfig config) {
    return MessageQueueProviders.open(config);
  }

  /**
   * {@link #create} with {@link MqConfig#load()}: defaults, {@code MQ_CONFIG} file, environment.
   */
  static MessageQueue fromEnvironment() {
    return create(MqConfig.load());
  }

  /** The backend's name, as in {@code MQ_BROKER_TYPE}. */
  String backend();

  MqConfig config();

  /** A new producer, thread-safe and meant to be shared; closed with the queue. */
  Producer createProducer();

  /**
   * Starts consuming. Topics that do not exist yet are created with their configured settings.
   * Returns once the consumer has joined its group.
   */
  Subscriber subscribe(Subscription subscription);

  /** Shorthand for a single topic with a synchronous handler and the configured options. */
  default Subscriber subscribe(String topic, String group, MessageHandler handler) {
    return subscribe(Subscription.to(topic).group(group).handler(handler).build());
  }

  /** The subscribers of this queue running now, e.g. for their status. */
  List<Subscriber> subscribers();

  /**
   * Tells {@code observer} what every consumer and producer of this queue does from now on (the
   * ones already running too), until the returned registration is closed.
   */
  MessagingObserver.Registration observe(MessagingObserver observer);

  Admin admin();

  /**
   * Operations on dead letters: stats, browse, replay and purge ({@code agentmq dlq} on the command
   * line).
   */
  DeadLetters deadLetters();

  /**
   * UP when the broker is reachable and every consumer is UP; details hold the backend's checks and
   * each consumer's health. DOWN after {@link #close()}.
   */
  Health health();

  /**
   * Closes every consumer (draining in-flight work), then every producer (flushing). Idempotent.
   */
  @Override
  void close();
}
