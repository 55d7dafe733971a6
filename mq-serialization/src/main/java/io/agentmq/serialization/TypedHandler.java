package io.agentmq.serialization;

import com.google.protobuf.Message;
import io.agentmq.api.Delivery;

/**
 * Handles one decoded message; same outcome rules as {@link io.agentmq.api.MessageHandler}:
 * returning acknowledges, throwing retries, {@link io.agentmq.api.NonRetryableException}
 * dead-letters.
 *
 * @param <T> the message type
 */
@FunctionalInterface
public interface TypedHandler<T extends Message> {
  void handle(T message, Delivery delivery) throws Exception;
}
