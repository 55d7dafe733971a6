/**
 * The AgentMQ API applications write against, whatever the broker: a {@link
 * io.agentmq.api.MessageQueue} (from {@link io.agentmq.api.MessageQueue#create} or {@link
 * io.agentmq.api.MessageQueue#fromEnvironment}), its {@link io.agentmq.api.Producer}s, {@link
 * io.agentmq.api.Subscription}s and the running {@link io.agentmq.api.Subscriber}s, the {@link
 * io.agentmq.api.Message} and the {@link io.agentmq.api.Delivery} a handler gets, and the
 * configuration ({@link io.agentmq.api.MqConfig}). No type here names a broker: the backend is
 * chosen by {@code broker_type} ({@code MQ_BROKER_TYPE}).
 */
package io.agentmq.api;
