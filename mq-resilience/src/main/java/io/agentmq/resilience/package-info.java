/**
 * Circuit breaker and rate limits for AgentMQ subscriptions and producers, built on resilience4j:
 * {@link io.agentmq.resilience.ResilientSubscriptions} is the entry point.
 */
package io.agentmq.resilience;
