package io.agentmq.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  @DisplayName("doubles the delay per attempt and caps it at the maximum, without jitter")
  void exponentialWithCap() {
    RetryPolicy p = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(500), 2.0, 0);

    assertThat(p.delayAfter(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(p.delayAfter(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(p.delayAfter(3)).isEqualTo(Duration.ofMillis(400));
    assertThat(p.delayAfter(4)).isEqualTo(Duration.ofMillis(500));
    assertThat(p.delayAfter(1000)).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  @DisplayName("spreads delays within the jitter fraction, and not all to the same value")
  void jitterBounds() {
    RetryPolicy p = new RetryPolicy(3, Duration.ofMillis(1000), Duration.ofSeconds(60), 2.0, 0.2);
    java.util.Set<Duration> seen = new java.util.HashSet<>();

    for (int i = 0; i < 200; i++) {
      Duration d = p.delayAfter(1);
      assertThat(d).isBetween(Duration.ofMillis(800), Duration.ofMillis(1200));
      seen.add(d);
    }
    assertThat(seen.size()).isGreaterThan(10);
  }

  @Test
  @DisplayName("rejects negative retries, a multiplier below 1 and jitter outside [0, 1]")
  void validation() {
    Duration s = Duration.ofSeconds(1);
    assertThatThrownBy(() -> new RetryPolicy(-1, s, s, 2, 0)).hasMessageContaining("maxRetries");
    assertThatThrownBy(() -> new RetryPolicy(1, s, s, 0.5, 0)).hasMessageContaining("multiplier");
    assertThatThrownBy(() -> new RetryPolicy(1, s, s, 2, 1.5)).hasMessageContaining("jitter");
  }
}
