/**
 * Typed messages over the AgentMQ API: a {@link io.agentmq.serialization.MessageCodec} encodes and
 * decodes protobuf messages (binary, JSON or base64) with the {@code mq-type} header, for the types
 * an application registers in a {@link io.agentmq.serialization.TypeRegistry}; {@link
 * io.agentmq.serialization.TypedProducer} and {@link io.agentmq.serialization.TypedHandler} send
 * and receive them. Knows no application schema.
 */
package io.agentmq.serialization;
