package io.agentmq.agents.cli;

import io.agentmq.api.Health;
import java.time.Duration;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A health check asked at most once per cache time: requests that arrive while it runs, or within
 * the cache time after it returned, share its result, so that HTTP clients cannot turn each {@code
 * /health} request into broker I/O.
 *
 * <p>Thread-safe; {@link #get()} blocks while another thread runs the check. A check that throws is
 * cached as DOWN, naming the exception's class only (its message may hold broker addresses).
 */
final class CachedHealth implements Supplier<Health> {
  private final Supplier<Health> check;
  private final long cacheNanos;
  private final LongSupplier nanoClock;
  private Health cached;
  private long checkedAt;

  CachedHealth(Supplier<Health> check, Duration cacheTime) {
    this(check, cacheTime, System::nanoTime);
  }

  CachedHealth(Supplier<Health> check, Duration cacheTime, LongSupplier nanoClock) {
    if (cacheTime.isNegative()) {
      throw new IllegalArgumentException(
          "the health cache time must not be negative: " + cacheTime);
    }
    this.check = check;
    this.cacheNanos = cacheTime.toNanos();
    this.nanoClock = nanoClock;
  }

  @Override
  public synchronized Health get() {
    if (cached == null || nanoClock.getAsLong() - checkedAt >= cacheNanos) {
      cached = checkNow();
      checkedAt = nanoClock.getAsLong();
    }
    return cached;
  }

  private Health checkNow() {
    try {
      return check.get();
    } catch (RuntimeException e) {
      return Health.down(Map.of("reason", "the health check failed: " + e.getClass().getName()));
    }
  }
}
