package io.agentmq.api;

/** When a consumed message is acknowledged, relative to its handler. */
public enum DeliveryMode {
  /**
   * Acknowledged before the handler runs: never redelivered. A handler failure dead-letters the
   * message (when dead-lettering is on) instead of retrying it.
   */
  AT_MOST_ONCE,
  /** Acknowledged after the handler returns; redelivered if it fails (the default). */
  AT_LEAST_ONCE,
  /**
   * What the handler sends through {@link Delivery#producer()} and the acknowledgement take effect
   * together. Kafka: transactions with {@code read_committed}; memory: native; RabbitMQ:
   * "effectively once" (confirms and de-duplication by message id within a window).
   */
  EXACTLY_ONCE
}
