package io.agentmq.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * A rate limit: at most {@code permits} messages per {@code period}; a caller waits for the next
 * period's permit at most {@code maxWait}, else fails with a retriable error.
 *
 * @param permits messages allowed per period, at least 1
 * @param period the length of one period, positive
 * @param maxWait how long one message may wait for its permit; zero fails at once when the period's
 *     permits are used up
 */
public record RateLimit(int permits, Duration period, Duration maxWait) {
  /** How long a message waits for its permit unless {@link #withMaxWait} says otherwise. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(30);

  public RateLimit {
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(maxWait, "maxWait");
    if (permits < 1) {
      throw new IllegalArgumentException(
          "rate limit permits must be at least 1 per period, was " + permits);
    }
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("rate limit period must be positive, was " + period);
    }
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException(
          "rate limit maxWait must be zero or positive, was " + maxWait);
    }
  }

  /** {@code messages} per second, waiting at most {@link #DEFAULT_MAX_WAIT} for a permit. */
  public static RateLimit perSecond(int messages) {
    return new RateLimit(messages, Duration.ofSeconds(1), DEFAULT_MAX_WAIT);
  }

  /** {@code permits} per {@code period}, waiting at most {@link #DEFAULT_MAX_WAIT} for a permit. */
  public static RateLimit of(int permits, Duration period) {
    return new RateLimit(permits, period, DEFAULT_MAX_WAIT);
  }

  public RateLimit withMaxWait(Duration maxWait) {
    return new RateLimit(permits, period, maxWait);
  }

  @Override
  public String toString() {
    return permits + " per " + period + " (max wait " + maxWait + ")";
  }
}
