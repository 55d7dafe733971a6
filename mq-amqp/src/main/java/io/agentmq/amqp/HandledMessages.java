package io.agentmq.amqp;

import io.agentmq.spi.IdempotencyStore;

/**
 * A group's records in its idempotency store ({@code amqp.idempotency_store}): under exactly-once,
 * the ids it handled, so that a redelivery of one is acked without handling; with a durable store,
 * how many times a redelivered message was handed to a handler, so that a consumer dying while
 * handling it counts as an attempt. Thread-safe (the store is).
 */
final class HandledMessages {
  private final IdempotencyStore store;
  private final String scope;
  private final boolean deduplicates;

  /**
   * @param scope what the ids are unique within: the virtual host and the group
   * @param deduplicates whether handled ids are recorded and checked (exactly-once)
   */
  HandledMessages(IdempotencyStore store, String scope, boolean deduplicates) {
    this.store = store;
    this.scope = scope;
    this.deduplicates = deduplicates;
  }

  /** Whether handled ids are recorded and redeliveries of them skipped (exactly-once). */
  boolean deduplicates() {
    return deduplicates;
  }

  /**
   * Whether handlings of redelivered messages are counted: only a durable store survives the crash.
   */
  boolean countsHandlings() {
    return store.durable();
  }

  /** Whether the group handled {@code id} before (within the store's retention). */
  boolean seen(String id) {
    return store.contains(scope, id);
  }

  /** Called once the outputs of handling {@code id} are confirmed, before its ack. */
  void remember(String id) {
    store.record(scope, id);
  }

  /** Counts one more handling of the redelivered message {@code id}; 1 the first time. */
  int countHandling(String id) {
    return store.countHandling(scope, id);
  }
}
