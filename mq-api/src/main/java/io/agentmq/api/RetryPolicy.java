package io.agentmq.api;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a failed delivery is retried: exponential backoff with jitter, up to {@code maxRetries}
 * retries (so {@code maxRetries + 1} attempts), after which the message is dead-lettered.
 *
 * <p>The first {@code inPlaceRetries} retries are blocking: the delivery stays where it is and the
 * messages behind it (its partition; on RabbitMQ its lane) wait out the backoff, so per-key order
 * holds. Later retries are non-blocking: the message is parked off the partition or queue for its
 * backoff (without jitter) and the consumer goes on with the next messages, so per-key order does
 * not hold for it. Parked on Kafka and the memory backend in the group's retry topic {@code
 * <topic>.<group>.retry}; on RabbitMQ in a wait queue whose TTL dead-letters it back into the
 * group's queue. By default every retry is in place.
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
    double jitter,
    int inPlaceRetries) {

  /** {@code inPlaceRetries} when every retry is in place. */
  public static final int ALL_IN_PLACE = Integer.MAX_VALUE;

  public static final RetryPolicy DEFAULT =
      new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.2);

  /** Every retry in place (blocking). */
  public RetryPolicy(
      int maxRetries,
      Duration initialBackoff,
      Duration maxBackoff,
      double multiplier,
      double jitter) {
    this(maxRetries, initialBackoff, maxBackoff, multiplier, jitter, ALL_IN_PLACE);
  }

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
    if (inPlaceRetries < 0) {
      throw new IllegalArgumentException("inPlaceRetries must be >= 0, was " + inPlaceRetries);
    }
  }

  public static RetryPolicy ofRetries(int maxRetries) {
    return DEFAULT.withMaxRetries(maxRetries);
  }

  public RetryPolicy withMaxRetries(int retries) {
    return new RetryPolicy(retries, initialBackoff, maxBackoff, multiplier, jitter, inPlaceRetries);
  }

  public RetryPolicy withBackoff(Duration initial, Duration max) {
    return new RetryPolicy(maxRetries, initial, max, multiplier, jitter, inPlaceRetries);
  }

  /**
   * The first {@code retries} retries in place (blocking), the rest parked (non-blocking); 0 parks
   * every retry.
   */
  public RetryPolicy withInPlaceRetries(int retries) {
    return new RetryPolicy(maxRetries, initialBackoff, maxBackoff, multiplier, jitter, retries);
  }

  /** Whether the retry after attempt {@code failedAttempt} (1-based) is parked, not in place. */
  public boolean parksAfter(int failedAttempt) {
    return failedAttempt > inPlaceRetries;
  }

  /** Whether any retry is parked: the group then consumes its retry topics too. */
  public boolean parks() {
    return inPlaceRetries < maxRetries;
  }

  /** The group's retry topic of {@code topic}: where Kafka and memory park its retries. */
  public static String retryTopic(String topic, String group) {
    return topic + "." + group + RETRY_SUFFIX;
  }

  /** What the name of a retry topic ends with. */
  public static final String RETRY_SUFFIX = ".retry";

  /**
   * The delay before a parked retry: the backoff of {@link #delayAfter} without jitter, so that
   * parked messages share a few delays (RabbitMQ keeps a wait queue per delay).
   */
  public Duration parkedDelayAfter(int failedAttempt) {
    double base = initialBackoff.toNanos() * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
    return Duration.ofMillis(Math.max(1, (long) (Math.min(maxBackoff.toNanos(), base) / 1e6)));
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
