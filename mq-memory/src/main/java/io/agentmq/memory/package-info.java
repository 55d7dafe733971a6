/**
 * The {@code memory} backend: an in-process broker, one per {@link io.agentmq.api.MessageQueue},
 * with Kafka's model of topics, partitions and consumer groups.
 *
 * <p>{@link io.agentmq.memory.MemoryProvider} creates a {@link
 * io.agentmq.memory.MemoryMessageQueue} over its own {@link io.agentmq.memory.MemoryBroker}, which
 * holds each topic's partitions as rings ({@link io.agentmq.memory.PartitionLog}) and each group's
 * position in them ({@link io.agentmq.memory.GroupCursor}). {@link io.agentmq.memory.MemorySender}
 * appends on the caller's thread; a {@link io.agentmq.memory.MemorySubscriber} runs {@link
 * io.agentmq.memory.PollingThread}s that take turns on the group's partitions, each handled and
 * settled by a {@link io.agentmq.memory.PartitionWorker}.
 *
 * <p>Applications never name these classes: the backend is found through the provider SPI when
 * {@code MQ_BROKER_TYPE=memory}. Only the provider is public, for {@link java.util.ServiceLoader}.
 */
package io.agentmq.memory;
