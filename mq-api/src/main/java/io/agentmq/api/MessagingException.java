package io.agentmq.api;

/** A messaging operation failed. {@link #isRetriable()} says whether trying again may succeed. */
public class MessagingException extends RuntimeException {
  private final boolean retriable;

  public MessagingException(String message, boolean retriable) {
    this(message, retriable, null);
  }

  public MessagingException(String message, boolean retriable, Throwable cause) {
    super(message, cause);
    this.retriable = retriable;
  }

  /** True when the same operation may succeed later (a timeout, a broker restart). */
  public boolean isRetriable() {
    return retriable;
  }
}
