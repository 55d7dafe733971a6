package io.agentmq.api;

/**
 * Where the broker put a sent message.
 *
 * @param topic the topic it was sent to
 * @param messageId the message's {@link Message#id()}
 * @param partition the partition, or {@code -1} where the broker has none (RabbitMQ)
 * @param offset the offset in the partition, or {@code -1} where the broker has none (RabbitMQ)
 */
public record DeliveryReport(String topic, String messageId, int partition, long offset) {}
