package io.agentmq.kafka.consumer;

import io.agentmq.api.Message;
import io.agentmq.api.Producer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What a consumer takes from the queue that subscribed it: its Kafka client settings ({@code
 * kafka.*}) and the queue's paths for what handlers send. Built by the queue for each subscription.
 *
 * @param consumerProperties the {@code KafkaConsumer}'s properties, group and start position
 *     included
 * @param transactionalProducerProperties exactly-once: a transactional producer's properties, by
 *     {@code transactional.id}
 * @param pollTimeout {@code kafka.poll_timeout_ms}
 * @param maxPollInterval {@code kafka.max_poll_interval_ms}: longer without a poll is DOWN
 * @param requestTimeout {@code kafka.request_timeout_ms}
 * @param maxQueuedPerPartition {@code kafka.max_queued_per_partition}: a fuller partition is paused
 * @param maxQueuedBytesPerPartition {@code kafka.max_queued_bytes_per_partition}: likewise, in
 *     bytes
 * @param maxMessageBytes the largest message a handler may send
 * @param handlerProducer the queue's producer, handed to handlers outside exactly-once
 * @param publisher publishes through the queue's producer (dead letters outside exactly-once)
 * @param topicCreator creates a topic the queue has not seen yet, before a transactional send to it
 */
public record QueueLink(
    Map<String, Object> consumerProperties,
    Function<String, Map<String, Object>> transactionalProducerProperties,
    Duration pollTimeout,
    Duration maxPollInterval,
    Duration requestTimeout,
    int maxQueuedPerPartition,
    long maxQueuedBytesPerPartition,
    int maxMessageBytes,
    Producer handlerProducer,
    BiFunction<String, Message, CompletionStage<?>> publisher,
    Consumer<String> topicCreator) {}
