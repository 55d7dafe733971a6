package io.agentmq.agents.runtime;

import com.google.protobuf.Message;

/**
 * Handles one decoded message of an agent's input. Returning acknowledges the message once every
 * output sent through {@link AgentContext#emit} is stored; throwing retries it per the retry
 * policy, then dead-letters it; a {@link io.agentmq.api.NonRetryableException} dead-letters it at
 * once. Called on a consumer thread, concurrently for messages of different keys.
 */
@FunctionalInterface
public interface AgentHandler<T extends Message> {
  void handle(T input, AgentContext context) throws Exception;
}
