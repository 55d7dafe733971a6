package io.agentmq.agents.cli.console;

import io.agentmq.api.Message;

/** Turns a message's payload into JSON text by its type, for the console's decoded view. */
@FunctionalInterface
public interface PayloadDecoder {
  /** A decoder that decodes nothing: payloads are shown as text or base64. */
  PayloadDecoder NONE =
      message -> {
        throw new IllegalArgumentException("no decoder for message types is configured");
      };

  /**
   * The payload of {@code message} as JSON text.
   *
   * @throws RuntimeException when it cannot be decoded (no or unknown type, malformed bytes)
   */
  String decode(Message message);
}
