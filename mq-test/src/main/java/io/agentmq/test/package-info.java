/**
 * A test kit for applications built on AgentMQ: {@link io.agentmq.test.AgentMqExtension} gives each
 * JUnit 5 test a {@link io.agentmq.test.TestBroker} — a queue on the in-memory broker (or on Kafka
 * or RabbitMQ when {@code MQ_BROKER_TYPE} or {@code -Dagentmq.test.broker} says so), {@code
 * awaitIdle()}, the messages it published and dead-lettered, and a {@link
 * io.agentmq.test.TestClock} that moves retry backoff ahead without sleeping.
 */
package io.agentmq.test;
