package io.agentmq.api;

/**
 * A messaging operation failed. {@link #isRetriable()} says whether trying again may succeed; made
 * with {@link #retriable} (a timeout, a broker restart) or {@link #permanent} (a refused setting, a
 * message too large).
 */
public class MessagingException extends RuntimeException {
  private final boolean retriable;

  /** For subclasses that fix the kind; others use {@link #retriable} or {@link #permanent}. */
  protected MessagingException(String message, boolean retriable, Throwable cause) {
    super(message, cause);
    this.retriable = retriable;
  }

  /** The same operation may succeed later: a timeout, a broker restart, a lost connection. */
  public static MessagingException retriable(String message, Throwable cause) {
    return new MessagingException(message, true, cause);
  }

  public static MessagingException retriable(String message) {
    return retriable(message, null);
  }

  /** Trying again will fail the same way until something is changed. */
  public static MessagingException permanent(String message, Throwable cause) {
    return new MessagingException(message, false, cause);
  }

  public static MessagingException permanent(String message) {
    return permanent(message, null);
  }

  /** True when the same operation may succeed later (a timeout, a broker restart). */
  public boolean isRetriable() {
    return retriable;
  }
}
