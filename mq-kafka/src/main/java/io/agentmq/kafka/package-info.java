/**
 * The Kafka backend ({@code broker_type=kafka}): {@link io.agentmq.kafka.KafkaProvider}, found
 * through the provider SPI; applications never name these classes. The subscriber and its rooms are
 * in {@link io.agentmq.kafka.consumer}.
 */
package io.agentmq.kafka;
