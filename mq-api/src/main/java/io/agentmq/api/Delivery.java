package io.agentmq.api;

import java.util.Optional;

/**
 * One delivery of a message to a handler: the message and where it came from.
 *
 * @param message the message as sent; on a redelivery it carries {@value Headers#ATTEMPT}
 * @param topic the topic it was consumed from
 * @param partition its partition, or {@code -1} where the broker has none
 * @param offset its offset, or {@code -1} where the broker has none
 * @param group the consumer group it was delivered to
 * @param attempt the delivery attempt, starting at 1
 * @param producer the producer a handler uses for what it emits. Under {@link
 *     DeliveryMode#EXACTLY_ONCE} it is a transaction: a send's future completes when the message is
 *     accepted into it (partition and offset may be {@code -1} until it commits); the messages are
 *     published together with the acknowledgement of this delivery, and discarded if the handler
 *     fails or the delivery is dead-lettered. It belongs to the consumer: do not close it.
 */
public record Delivery(
    Message message,
    String topic,
    int partition,
    long offset,
    String group,
    int attempt,
    Producer producer) {

  public String id() {
    return message.id();
  }

  public Optional<String> key() {
    return message.key();
  }

  public byte[] payload() {
    return message.payload();
  }

  public Optional<String> header(String name) {
    return message.header(name);
  }
}
