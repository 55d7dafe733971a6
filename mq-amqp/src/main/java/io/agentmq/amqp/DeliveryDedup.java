package io.agentmq.amqp;

import java.time.Duration;
import java.util.LinkedHashMap;

/**
 * The ids of messages handled exactly-once within {@code amqp.dedup_window_ms}, oldest first, so
 * that a redelivery of one is acked without handling: the "effectively once" of RabbitMQ, which has
 * no transactions across queues. One per subscriber, shared by its lanes: a redelivery to another
 * consumer of the group is not recognised. Thread-safe.
 */
final class DeliveryDedup {
  private final long windowNanos;
  private final LinkedHashMap<String, Long> handled = new LinkedHashMap<>();

  DeliveryDedup(Duration window) {
    this.windowNanos = window.toNanos();
  }

  /** Whether {@code id} was handled within the window; forgets ids older than it. */
  synchronized boolean seen(String id) {
    long now = System.nanoTime();
    var it = handled.entrySet().iterator();
    while (it.hasNext() && now - it.next().getValue() > windowNanos) {
      it.remove();
    }
    return handled.containsKey(id);
  }

  /** Called once the outputs of handling {@code id} are confirmed, before its ack. */
  synchronized void remember(String id) {
    handled.put(id, System.nanoTime());
  }
}
