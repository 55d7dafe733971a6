/**
 * A runtime for agent services on the AgentMQ API: an {@link
 * io.agentmq.agents.runtime.AgentService} names its group, topics and a handler per protobuf type;
 * the {@link io.agentmq.agents.runtime.AgentRuntime} decodes, continues the W3C trace, calls the
 * handler, waits until its outputs are stored and lets the queue acknowledge, counting what happens
 * in Micrometer. Depends on mq-api, mq-serialization, Micrometer core and the OpenTelemetry API
 * only.
 */
package io.agentmq.agents.runtime;
