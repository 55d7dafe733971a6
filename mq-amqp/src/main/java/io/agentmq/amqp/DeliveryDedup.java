package io.agentmq.amqp;

import io.agentmq.spi.IdempotencyStore;

/**
 * The de-duplication of RabbitMQ's "effectively once" for one subscriber: asks the idempotency
 * store whether its group handled a message id before, records the ids it handles, and derives the
 * ids of what a handling publishes. Thread-safe (the store is).
 */
final class DeliveryDedup {
  private final IdempotencyStore store;
  private final String scope;

  /**
   * @param scope what the ids are unique within: the virtual host and the group
   */
  DeliveryDedup(IdempotencyStore store, String scope) {
    this.store = store;
    this.scope = scope;
  }

  /** Whether the group handled {@code id} before (within the store's retention). */
  boolean seen(String id) {
    return store.contains(scope, id);
  }

  /** Called once the outputs of handling {@code id} are confirmed, before its ack. */
  void remember(String id) {
    store.record(scope, id);
  }
}
