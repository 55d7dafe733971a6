package io.agentmq.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmq.api.MessagingException;
import io.agentmq.api.NonRetryableException;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("breaker and rate-limit policies")
class PoliciesTest {

  @Test
  @DisplayName("the default classifier counts every failure but NonRetryableException")
  void defaultClassifier() {
    assertThat(BreakerPolicy.DEFAULT.counts().test(new IOException("down"))).isTrue();
    assertThat(BreakerPolicy.DEFAULT.counts().test(MessagingException.retriable("timeout")))
        .isTrue();
    assertThat(BreakerPolicy.DEFAULT.counts().test(new NonRetryableException("bad input")))
        .isFalse();
  }

  @Test
  @DisplayName("opensAfter(n) means every one of at least n calls in the window failed")
  void opensAfter() {
    BreakerPolicy policy = BreakerPolicy.opensAfter(4, Duration.ofSeconds(20));
    assertThat(policy.failureRateThreshold()).isEqualTo(100f);
    assertThat(policy.minimumCalls()).isEqualTo(4);
    assertThat(policy.window()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  @DisplayName("bad breaker settings fail naming the setting, the value and what is accepted")
  void badBreakerSettings() {
    assertThatThrownBy(() -> BreakerPolicy.DEFAULT.withFailureRateThreshold(0))
        .hasMessage("circuit breaker failureRateThreshold must be a percent in (0, 100], was 0.0");
    assertThatThrownBy(() -> BreakerPolicy.DEFAULT.withWindow(Duration.ofMillis(1500)))
        .hasMessage(
            "circuit breaker window must be a whole number of seconds, at least 1, was PT1.5S");
    assertThatThrownBy(() -> BreakerPolicy.DEFAULT.withOpenFor(Duration.ZERO))
        .hasMessage("circuit breaker openFor must be positive, was PT0S");
    assertThatThrownBy(() -> BreakerPolicy.DEFAULT.withProbes(0))
        .hasMessage("circuit breaker probes must be at least 1, was 0");
    assertThatThrownBy(() -> BreakerPolicy.DEFAULT.withMinimumCalls(0))
        .hasMessage("circuit breaker minimumCalls must be at least 1, was 0");
  }

  @Test
  @DisplayName("bad rate limits fail naming the setting, the value and what is accepted")
  void badRateLimits() {
    assertThatThrownBy(() -> RateLimit.perSecond(0))
        .hasMessage("rate limit permits must be at least 1 per period, was 0");
    assertThatThrownBy(() -> RateLimit.of(1, Duration.ZERO))
        .hasMessage("rate limit period must be positive, was PT0S");
    assertThatThrownBy(() -> RateLimit.perSecond(1).withMaxWait(Duration.ofSeconds(-1)))
        .hasMessage("rate limit maxWait must be zero or positive, was PT-1S");
  }

  @Test
  @DisplayName("permits: the period's permits are free, the next waits one period, then fails")
  void permitsOnManualTime() {
    ManualTimeSource time = new ManualTimeSource();
    Permits permits =
        new Permits(
            "test limit",
            RateLimit.of(2, Duration.ofSeconds(1)).withMaxWait(Duration.ofSeconds(1)),
            time);
    assertThat(permits.reserve()).isZero();
    assertThat(permits.reserve()).isZero();
    assertThat(permits.reserve()).isEqualTo(Duration.ofSeconds(1));
    assertThat(permits.reserve()).isEqualTo(Duration.ofSeconds(1));
    assertThatThrownBy(permits::reserve)
        .isInstanceOf(MessagingException.class)
        .hasMessageStartingWith("test limit (2 per PT1S (max wait PT1S)) has no permit");
    time.advance(Duration.ofSeconds(2));
    assertThat(permits.reserve()).isZero();
  }

  @Test
  @DisplayName("manual time: a scheduled task runs when the time passes it, not before")
  void manualTimeRunsDueTasks() {
    ManualTimeSource time = new ManualTimeSource();
    int[] runs = {0};
    time.schedule(Duration.ofSeconds(5), () -> runs[0]++);
    time.schedule(Duration.ofSeconds(9), () -> runs[0]++).cancel(false);
    time.advance(Duration.ofSeconds(4));
    assertThat(runs[0]).isZero();
    time.advance(Duration.ofSeconds(10));
    assertThat(runs[0]).isEqualTo(1);
    assertThat(time.pendingTasks()).isZero();
    assertThat(time.clock().instant()).isEqualTo(java.time.Instant.parse("2026-01-01T00:00:14Z"));
  }
}
