package io.agentmq.resilience;

import io.agentmq.api.NonRetryableException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * When a subscription's circuit breaker opens and how it closes again: it opens once at least
 * {@code minimumCalls} handler calls were made in the last {@code window} and at least {@code
 * failureRateThreshold} percent of them failed with a failure that {@code counts}; it stays open
 * (the subscriber paused) for {@code openFor}, then lets {@code probes} deliveries through
 * (half-open) and closes when they succeed, or opens again.
 *
 * @param failureRateThreshold percent of counted failures that opens the breaker, in (0, 100]
 * @param minimumCalls calls in the window before the rate is judged, at least 1
 * @param window the sliding time window, whole seconds, at least one second
 * @param openFor how long the breaker stays open before it probes, positive
 * @param probes deliveries let through while half-open, at least 1
 * @param counts which handler failures count against the breaker; others are ignored by it
 */
public record BreakerPolicy(
    float failureRateThreshold,
    int minimumCalls,
    Duration window,
    Duration openFor,
    int probes,
    Predicate<Throwable> counts) {

  /** Every failure counts except {@link NonRetryableException}: a bad message, not a bad day. */
  public static final Predicate<Throwable> ALL_BUT_NON_RETRYABLE =
      failure -> !(failure instanceof NonRetryableException);

  /** 50% of at least 5 calls in 60 s opens it for 30 s; one probe. */
  public static final BreakerPolicy DEFAULT =
      new BreakerPolicy(
          50, 5, Duration.ofSeconds(60), Duration.ofSeconds(30), 1, ALL_BUT_NON_RETRYABLE);

  public BreakerPolicy {
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(openFor, "openFor");
    Objects.requireNonNull(counts, "counts");
    if (!(failureRateThreshold > 0 && failureRateThreshold <= 100)) {
      throw new IllegalArgumentException(
          "circuit breaker failureRateThreshold must be a percent in (0, 100], was "
              + failureRateThreshold);
    }
    if (minimumCalls < 1) {
      throw new IllegalArgumentException(
          "circuit breaker minimumCalls must be at least 1, was " + minimumCalls);
    }
    if (window.getNano() != 0
        || window.getSeconds() < 1
        || window.getSeconds() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "circuit breaker window must be a whole number of seconds, at least 1, was " + window);
    }
    if (openFor.isNegative() || openFor.isZero()) {
      throw new IllegalArgumentException(
          "circuit breaker openFor must be positive, was " + openFor);
    }
    if (probes < 1) {
      throw new IllegalArgumentException(
          "circuit breaker probes must be at least 1, was " + probes);
    }
  }

  /**
   * Opens when each of at least {@code failures} calls in the last {@code window} failed (a rate of
   * 100%); otherwise {@link #DEFAULT}.
   */
  public static BreakerPolicy opensAfter(int failures, Duration window) {
    return DEFAULT.withFailureRateThreshold(100).withMinimumCalls(failures).withWindow(window);
  }

  public BreakerPolicy withFailureRateThreshold(float percent) {
    return new BreakerPolicy(percent, minimumCalls, window, openFor, probes, counts);
  }

  public BreakerPolicy withMinimumCalls(int calls) {
    return new BreakerPolicy(failureRateThreshold, calls, window, openFor, probes, counts);
  }

  public BreakerPolicy withWindow(Duration window) {
    return new BreakerPolicy(failureRateThreshold, minimumCalls, window, openFor, probes, counts);
  }

  public BreakerPolicy withOpenFor(Duration openFor) {
    return new BreakerPolicy(failureRateThreshold, minimumCalls, window, openFor, probes, counts);
  }

  public BreakerPolicy withProbes(int probes) {
    return new BreakerPolicy(failureRateThreshold, minimumCalls, window, openFor, probes, counts);
  }

  /** Which failures count against the breaker, e.g. {@code f -> f instanceof IOException}. */
  public BreakerPolicy withFailureClassifier(Predicate<Throwable> counts) {
    return new BreakerPolicy(failureRateThreshold, minimumCalls, window, openFor, probes, counts);
  }
}
