/**
 * The {@code amqp} backend, on RabbitMQ.
 *
 * <p>{@link io.agentmq.amqp.AmqpProvider} creates an {@link io.agentmq.amqp.AmqpMessageQueue}, with
 * a connection for publishing and one for consuming. {@link io.agentmq.amqp.AmqpPublisher}
 * publishes with confirms (behind {@link io.agentmq.amqp.AmqpSender}); an {@link
 * io.agentmq.amqp.AmqpSubscriber} dispatches deliveries by key to {@link
 * io.agentmq.amqp.LaneWorker}s, which handle and settle them in order, with {@link
 * io.agentmq.amqp.DeliveryDedup} for exactly-once. {@link io.agentmq.amqp.AmqpAdmin} declares the
 * topology (exchanges, group queues, dead letters) and {@link io.agentmq.amqp.AmqpCodec} maps
 * deliveries to messages.
 *
 * <p>Applications never name these classes: the backend is found through the provider SPI when
 * {@code MQ_BROKER_TYPE=amqp}. Only the provider is public, for {@link java.util.ServiceLoader}.
 */
package io.agentmq.amqp;
