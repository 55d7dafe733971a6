package io.agentmq.api;

import java.util.Optional;

/**
 * Told how each delivery of a subscription ended, as the handler-outcome rules decided it: so an
 * application counts what happened (a dead letter, a scheduled retry) instead of re-deriving the
 * rules. Set with {@link Subscription.Builder#observer}.
 *
 * <p>Called once per delivery on the thread that settled it, after the backend acted on the
 * outcome; it must be quick and thread-safe. An exception it throws is logged and ignored.
 */
@FunctionalInterface
public interface DeliveryObserver {
  /** Observes nothing. */
  DeliveryObserver NONE = (delivery, outcome, failure) -> {};

  /**
   * @param failure why the handler failed; empty when it succeeded
   */
  void settled(Delivery delivery, Outcome outcome, Optional<Throwable> failure);
}
