package io.agentmq.resilience;

import java.util.Optional;

/**
 * What a subscription's circuit breaker is doing, typed.
 *
 * @param state closed (delivering), open (paused) or half-open (probing)
 * @param failureRate percent of counted failures among the calls in the window; -1 while fewer than
 *     the minimum calls were made
 * @param bufferedCalls calls in the window
 * @param failedCalls counted failures in the window
 * @param lastFailure class and message of the last counted failure, without any payload
 */
public record BreakerStatus(
    State state,
    float failureRate,
    int bufferedCalls,
    int failedCalls,
    Optional<String> lastFailure) {

  /** The breaker's states as a subscription sees them. */
  public enum State {
    /** Deliveries are handled. */
    CLOSED,
    /** The subscriber is paused: messages wait on the broker. */
    OPEN,
    /** The subscriber runs again and the next deliveries decide whether it closes. */
    HALF_OPEN
  }

  /** Whether the subscription is held back (open or half-open). */
  public boolean isTripped() {
    return state != State.CLOSED;
  }
}
