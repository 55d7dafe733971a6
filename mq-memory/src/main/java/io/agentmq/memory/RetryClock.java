package io.agentmq.memory;

import io.agentmq.api.MqConfig;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;

/**
 * The time in-place retries are due by: {@link System#nanoTime()}, or the {@link MqConfig#clock()}
 * a test set, read in nanoseconds since the epoch.
 *
 * <p>Only retry backoff runs on it; batching, spinning, health and timeouts keep the system's time.
 * Values are compared by subtraction, as {@code nanoTime} values are.
 */
final class RetryClock {
  static final RetryClock SYSTEM = new RetryClock(null);

  /**
   * How long a consumer thread waiting for a retry parks at most under a set clock, which may jump
   * ahead at any moment: the retry starts within this much real time of the jump.
   */
  private static final long SET_CLOCK_MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final InstantSource source; // null: System.nanoTime()

  private RetryClock(InstantSource source) {
    this.source = source;
  }

  static RetryClock of(MqConfig config) {
    return config.clock().map(RetryClock::new).orElse(SYSTEM);
  }

  long nanos() {
    if (source == null) {
      return System.nanoTime();
    }
    Instant now = source.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** The longest a thread waiting for a retry may park, in real nanoseconds, given {@code max}. */
  long maxRetryPark(long max) {
    return source == null ? max : Math.min(max, SET_CLOCK_MAX_PARK_NANOS);
  }
}
