package io.agentmq.api;

/**
 * Decides what a handler failure means for its message, before the {@link RetryPolicy} counts it:
 * retry it as the policy says, park it for a non-blocking retry now, or dead-letter it now. A
 * retriable infrastructure failure ({@link MessagingException#isRetriable()}) never reaches it:
 * such a message is redelivered in place as the same attempt. To stop consuming while a dependency
 * is down, use a circuit breaker (mq-resilience), which pauses the subscriber.
 */
@FunctionalInterface
public interface FailureClassifier {

  /** What happens to a message whose handler failed. */
  enum Action {
    /** Retried as the retry policy says (in place, then parked), then dead-lettered. */
    RETRY,
    /** Parked for a non-blocking retry at once, skipping the in-place retries. */
    PARK,
    /** Dead-lettered at once, as a {@link NonRetryableException} is. */
    DEAD_LETTER
  }

  /** {@link NonRetryableException} dead-letters, everything else retries. */
  FailureClassifier DEFAULT = f -> Action.RETRY;

  /**
   * The action for {@code failure}; a {@link NonRetryableException} is dead-lettered whatever it
   * says.
   */
  Action classify(Throwable failure);
}
