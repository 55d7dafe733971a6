/**
 * The Kafka consumer, one class per job. {@link io.agentmq.kafka.consumer.KafkaSubscriber} is the
 * facade; {@link io.agentmq.kafka.consumer.PollLoop} owns the client on the poll thread, with
 * {@link io.agentmq.kafka.consumer.PartitionRebalancer}, {@link
 * io.agentmq.kafka.consumer.OffsetCommitter} (whose commits carry a {@link
 * io.agentmq.kafka.consumer.CommitMarker}) and {@link io.agentmq.kafka.consumer.BackPressure}; each
 * assigned partition has a {@link io.agentmq.kafka.consumer.PartitionWorker} with its {@link
 * io.agentmq.kafka.consumer.PartitionSeeks}, {@link io.agentmq.kafka.consumer.RetryAttempts},
 * {@link io.agentmq.kafka.consumer.CrashRecovery} and a {@link
 * io.agentmq.kafka.consumer.DrainStrategy}.
 *
 * <p>Only the facade and {@link io.agentmq.kafka.consumer.QueueLink} are public, for the queue that
 * creates consumers; they are not an API of the backend.
 */
package io.agentmq.kafka.consumer;
