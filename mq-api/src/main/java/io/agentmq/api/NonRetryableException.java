package io.agentmq.api;

/**
 * Thrown by a handler for a message that can never succeed (bad input, unknown type): the message
 * goes to its dead-letter topic at once, without retries.
 */
public class NonRetryableException extends RuntimeException {
  public NonRetryableException(String message) {
    super(message);
  }

  public NonRetryableException(String message, Throwable cause) {
    super(message, cause);
  }
}
