/**
 * The {@code amqp} backend, on RabbitMQ.
 *
 * <p>{@link io.agentmq.amqp.AmqpProvider} creates an {@link io.agentmq.amqp.AmqpMessageQueue}, with
 * a connection for publishing and one for consuming. {@link io.agentmq.amqp.AmqpPublisher}
 * publishes with confirms (behind {@link io.agentmq.amqp.AmqpSender}); an {@link
 * io.agentmq.amqp.AmqpSubscriber} dispatches deliveries by key to {@link
 * io.agentmq.amqp.LaneWorker}s, which handle and settle them in order, with {@link
 * io.agentmq.amqp.HandledMessages} for exactly-once. {@link io.agentmq.amqp.AmqpAdmin} declares the
 * topology (exchanges, group queues, dead letters) and {@link io.agentmq.amqp.AmqpCodec} maps
 * deliveries to messages.
 *
 * <p>A dropped connection is recovered by amqp-client with its channels and consumers. A channel
 * RabbitMQ closes by itself ({@code consumer_timeout}, 406 PRECONDITION_FAILED) or a consumer it
 * cancels (the queue was deleted) is brought back by the subscriber's {@link
 * io.agentmq.amqp.Resubscriber}: a new channel, the queues and bindings declared again, consumers
 * again, with backoff from 100 ms doubling to 10 s, the subscriber DOWN with the cause meanwhile.
 * Each channel is a {@link io.agentmq.amqp.ConsumerChannel} generation, so a delivery of a lost
 * channel is never acked on the next one: RabbitMQ requeued it and delivers it again.
 *
 * <p>Applications never name these classes: the backend is found through the provider SPI when
 * {@code MQ_BROKER_TYPE=amqp}. Only the provider is public, for {@link java.util.ServiceLoader}.
 */
package io.agentmq.amqp;
