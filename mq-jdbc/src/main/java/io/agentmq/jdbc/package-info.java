/**
 * AgentMQ's durable state in a relational database: {@link io.agentmq.jdbc.JdbcIdempotencyStore}
 * (PostgreSQL), found by the backends through {@link io.agentmq.jdbc.JdbcIdempotencyStoreProvider}
 * when a setting names a {@code jdbc:postgresql:} location.
 */
package io.agentmq.jdbc;
