package io.agentmq.spi;

/**
 * What a consumer has already handled, by message id within a scope (a topic and group): how a
 * backend without transactions across queues recognises a redelivery of a message it handled before
 * a crash, the "effectively once" of RabbitMQ. It also counts the handlings of redelivered
 * messages, so that a consumer that dies while handling one counts as an attempt. A durable store
 * survives the consumer's process; the in-memory one only remembers within it. Implementations are
 * thread-safe.
 */
public interface IdempotencyStore extends AutoCloseable {

  /** Whether {@code id} is recorded for {@code scope} and still within the store's retention. */
  boolean contains(String scope, String id);

  /**
   * Records {@code id} for {@code scope}; when this returns normally the record is as durable as
   * the store promises. Recording an id twice is harmless.
   */
  void record(String scope, String id);

  /**
   * Counts one more handling of the redelivered message {@code id} of {@code scope}, durably when
   * this returns, and returns the count: 1 the first time. Counts older than the retention start
   * over.
   */
  int countHandling(String scope, String id);

  /** Whether what this store records survives the process (false: in memory). */
  boolean durable();

  /** Releases the store's connections. Idempotent. */
  @Override
  void close();
}
