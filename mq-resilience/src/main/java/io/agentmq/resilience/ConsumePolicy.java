package io.agentmq.resilience;

import java.util.Objects;
import java.util.Optional;

/**
 * What guards one subscription's handler: an optional circuit breaker, an optional consume rate
 * limit, and the time both run on.
 *
 * <pre>{@code
 * ConsumePolicy.none()
 *     .withCircuitBreaker(BreakerPolicy.opensAfter(5, Duration.ofSeconds(30)))
 *     .withRateLimit(RateLimit.perSecond(50));
 * }</pre>
 *
 * @param circuitBreaker pauses the subscriber while the handler keeps failing
 * @param rateLimit the most messages the handler is given per period
 * @param time the clock, waits and timer; {@link TimeSource#system()} unless a test sets its own
 */
public record ConsumePolicy(
    Optional<BreakerPolicy> circuitBreaker, Optional<RateLimit> rateLimit, TimeSource time) {

  public ConsumePolicy {
    Objects.requireNonNull(circuitBreaker, "circuitBreaker");
    Objects.requireNonNull(rateLimit, "rateLimit");
    Objects.requireNonNull(time, "time");
  }

  /** No breaker, no limit, system time: the subscription behaves as without this module. */
  public static ConsumePolicy none() {
    return new ConsumePolicy(Optional.empty(), Optional.empty(), TimeSource.system());
  }

  public ConsumePolicy withCircuitBreaker(BreakerPolicy breaker) {
    return new ConsumePolicy(Optional.of(breaker), rateLimit, time);
  }

  public ConsumePolicy withRateLimit(RateLimit limit) {
    return new ConsumePolicy(circuitBreaker, Optional.of(limit), time);
  }

  public ConsumePolicy withTime(TimeSource time) {
    return new ConsumePolicy(circuitBreaker, rateLimit, time);
  }
}
