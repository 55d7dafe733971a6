package io.agentmq.api;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a failed delivery is retried: exponential backoff with jitter, up to {@code maxRetries}
 * retries (so {@code maxRetries + 1} attempts), after which the message is dead-lettered.
 *
 * @param maxRetries retries after the first attempt, {@code >= 0}
 * @param initialBackoff delay before the first retry
 * @param maxBackoff upper bound of any delay
 * @param multiplier growth of the delay per retry, {@code >= 1}
 * @param jitter random spread of each delay, as a fraction in {@code [0, 1]}: 0.2 gives ±20%
 */
public record RetryPolicy(
    int maxRetries,
    Duration initialBackoff,
    Duration maxBackoff,
    double multiplier,
    double jitter) {

  public static final RetryPolicy DEFAULT =
      new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.2);

  public RetryPolicy {
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must be >= 0, was " + maxRetries);
    }
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= initialBackoff <= maxBackoff, was " + initialBackoff + " and " + maxBackoff);
    }
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier must be >= 1, was " + multiplier);
    }
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("jitter must be in [0, 1], was " + jitter);
    }
  }

  public static RetryPolicy ofRetries(int maxRetries) {
    return DEFAULT.withMaxRetries(maxRetries);
  }

  public RetryPolicy withMaxRetries(int retries) {
    return new RetryPolicy(retries, initialBackoff, maxBackoff, multiplier, jitter);
  }

  public RetryPolicy withBackoff(Duration initial, Duration max) {
    return new RetryPolicy(maxRetries, initial, max, multiplier, jitter);
  }

  /**
   * The delay before the next attempt, after attempt number {@code failedAttempt} (1-based) failed:
   * {@code initialBackoff * multiplier^(failedAttempt-1)}, spread by the jitter, never above {@code
   * maxBackoff}.
   */
  public Duration delayAfter(int failedAttempt) {
    double base = initialBackoff.toNanos() * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
    double spread =
        jitter == 0 ? 1.0 : 1.0 + jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
    double nanos = Math.min(maxBackoff.toNanos(), base * spread);
    return Duration.ofNanos((long) nanos);
  }
}
