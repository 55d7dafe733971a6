package io.agentmq.api;

/**
 * A message or topic name the broker would not accept: invalid topic name, message too large. Never
 * retriable; nothing was sent.
 */
public class InvalidMessageException extends MessagingException {
  public InvalidMessageException(String message) {
    super(message, false, null);
  }
}
