package io.agentmq.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmq.api.Message;
import io.agentmq.api.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("TestClock on the memory broker")
class TestClockTest {

  @RegisterExtension
  static final AgentMqExtension mq =
      AgentMqExtension.create()
          .configure(
              c ->
                  c.maxRetries(2)
                      .retryBackoff(Duration.ofMinutes(10), Duration.ofHours(1))
                      .set("retry.multiplier", "2")
                      .set("retry.jitter", "0"));

  @Test
  @DisplayName(
      "drives a 10- then 20-minute backoff: retries come right after advance(), never before")
  void drivesRetryBackoff(TestBroker broker) {
    long start = System.nanoTime();
    String topic = broker.topic("jobs");
    List<Instant> attempts = new CopyOnWriteArrayList<>();
    broker
        .queue()
        .subscribe(
            topic,
            "workers",
            d -> {
              attempts.add(broker.clock().instant());
              throw new IllegalStateException("always fails");
            });
    broker.producer().sendAndWait(topic, Message.ofText("job"));

    broker.clock().advance(Duration.ofMinutes(9)); // short of the first backoff
    assertThatThrownBy(() -> broker.awaitIdle(Duration.ofMillis(200)))
        .hasMessageContaining("waits for its retry after failed attempt 1");
    assertThat(attempts).hasSize(1);

    broker.clock().advance(Duration.ofMinutes(1));
    broker.clock().advance(Duration.ofMinutes(20)); // the second backoff doubles
    broker.awaitIdle();

    assertThat(broker.outcomes(topic))
        .containsExactly(
            Outcome.REDELIVERY_SCHEDULED, Outcome.REDELIVERY_SCHEDULED, Outcome.DEAD_LETTERED);
    assertThat(Duration.between(attempts.get(0), attempts.get(1)))
        .isGreaterThanOrEqualTo(Duration.ofMinutes(10));
    assertThat(Duration.between(attempts.get(1), attempts.get(2)))
        .isGreaterThanOrEqualTo(Duration.ofMinutes(20));
    assertThat(broker.deadLettered(topic)).hasSize(1);
    // 30 minutes of backoff passed on the clock; the test took a small fraction of one of them.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMinutes(1));
  }

  @Test
  @DisplayName("runs with real time between advances, so short backoffs pass by themselves")
  void followsRealTime(TestBroker broker) {
    Instant before = broker.clock().instant();
    broker.clock().advance(Duration.ofHours(1));
    assertThat(broker.clock().drivesBroker()).isTrue();
    assertThat(broker.clock().instant()).isAfterOrEqualTo(before.plus(Duration.ofHours(1)));
    assertThatThrownBy(() -> broker.clock().advance(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("time only moves ahead");
  }
}
