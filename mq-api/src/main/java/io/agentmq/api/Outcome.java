package io.agentmq.api;

/**
 * How a delivery was settled: what the handler outcome rules decided, reported to a subscription's
 * {@link DeliveryObserver}.
 */
public enum Outcome {
  /** The handler succeeded; the delivery was acknowledged. */
  ACKNOWLEDGED,
  /** The handler failed; the message will be delivered again after a backoff. */
  REDELIVERY_SCHEDULED,
  /**
   * The handler failed; a copy was parked for a non-blocking retry ({@link
   * RetryPolicy#withInPlaceRetries}), then the delivery was acknowledged.
   */
  RETRY_PARKED,
  /** The message was published to its dead-letter topic, then acknowledged. */
  DEAD_LETTERED,
  /**
   * At-most-once only, with dead-lettering off: the handler failed and the message was not kept.
   * Logged at ERROR with its id.
   */
  DISCARDED
}
