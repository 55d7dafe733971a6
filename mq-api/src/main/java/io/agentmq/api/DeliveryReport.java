package io.agentmq.api;

import java.util.Objects;

/**
 * Where the broker put a sent message. Immutable; equal when topic, id, partition and offset are.
 */
public final class DeliveryReport {
  private final String topic;
  private final int partition;
  private final long offset;

  /** The message's id; {@code null} until asked for when it is derived from the position. */
  private String messageId;

  /**
   * @param topic the topic it was sent to
   * @param messageId the message's {@link Message#id()}
   * @param partition the partition, or {@code -1} where the broker has none (RabbitMQ)
   * @param offset the offset in the partition, or {@code -1} where the broker has none (RabbitMQ)
   */
  public DeliveryReport(String topic, String messageId, int partition, long offset) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.messageId = Objects.requireNonNull(messageId, "messageId");
    this.partition = partition;
    this.offset = offset;
  }

  private DeliveryReport(String topic, int partition, long offset) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }

  /**
   * The report of a message sent without an id, which its consumers name by where it was stored:
   * {@code topic-partition-offset} (built when first asked for, off the broker client's thread).
   */
  public static DeliveryReport atPosition(String topic, int partition, long offset) {
    return new DeliveryReport(Objects.requireNonNull(topic, "topic"), partition, offset);
  }

  /** The topic it was sent to. */
  public String topic() {
    return topic;
  }

  /** The message's id, as its consumers see it ({@link Message#id()}). */
  public String messageId() {
    String id = messageId;
    if (id == null) {
      id = topic + "-" + partition + "-" + offset;
      messageId = id; // racy but idempotent: every thread builds the same string
    }
    return id;
  }

  /** The partition, or {@code -1} where the broker has none (RabbitMQ). */
  public int partition() {
    return partition;
  }

  /** The offset in the partition, or {@code -1} where the broker has none (RabbitMQ). */
  public long offset() {
    return offset;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeliveryReport other
        && topic.equals(other.topic)
        && partition == other.partition
        && offset == other.offset
        && messageId().equals(other.messageId());
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, partition, offset);
  }

  @Override
  public String toString() {
    return "DeliveryReport[topic="
        + topic
        + ", messageId="
        + messageId()
        + ", partition="
        + partition
        + ", offset="
        + offset
        + "]";
  }
}
