package io.agentmq.resilience;

import io.agentmq.api.MessagingException;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;

/**
 * One rate limit as a resilience4j {@link RateLimiter} on a {@link TimeSource}: reserves a permit
 * and waits for its period on that source's time, so that tests advance a clock instead of
 * sleeping.
 */
final class Permits {
  private final RateLimiter limiter;
  private final RateLimit limit;
  private final TimeSource time;
  private final String what;

  /**
   * @param what names the limited thing in errors, e.g. "consume rate limit of group g on [t]"
   */
  Permits(String what, RateLimit limit, TimeSource time) {
    this.what = what;
    this.limit = limit;
    this.time = time;
    RateLimiterConfig config =
        RateLimiterConfig.custom()
            .limitForPeriod(limit.permits())
            .limitRefreshPeriod(limit.period())
            .timeoutDuration(limit.maxWait())
            .build();
    this.limiter = RateLimiter.of(what, config, time::nanoTime);
  }

  /**
   * Reserves the next permit: how long to wait for it (zero: now).
   *
   * @throws MessagingException retriable, when the permit is further away than the limit's maxWait
   */
  Duration reserve() {
    long nanos = limiter.reservePermission();
    if (nanos < 0) {
      throw MessagingException.retriable(
          what
              + " ("
              + limit
              + ") has no permit within its max wait: the rate is above the limit; raise the"
              + " permits or the max wait, or slow down");
    }
    return Duration.ofNanos(nanos);
  }

  /** Reserves the next permit and blocks until its period on this limit's time source. */
  void acquire() {
    Duration wait = reserve();
    if (wait.isZero()) {
      return;
    }
    try {
      time.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw MessagingException.retriable(what + ": interrupted while waiting for a permit", e);
    }
  }

  TimeSource time() {
    return time;
  }

  RateLimit limit() {
    return limit;
  }
}
