/**
 * AgentMQ's durable state in a relational database (PostgreSQL): {@link
 * io.agentmq.jdbc.JdbcIdempotencyStore}, found by the backends through {@link
 * io.agentmq.jdbc.JdbcIdempotencyStoreProvider} when a setting names a {@code jdbc:postgresql:}
 * location; and the transactional outbox, {@link io.agentmq.jdbc.JdbcOutbox} (a service's messages
 * written in its own database transaction) with {@link io.agentmq.jdbc.OutboxRelay} (which
 * publishes them through any backend's producer).
 */
package io.agentmq.jdbc;
