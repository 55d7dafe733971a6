package io.agentmq.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmq.api.Message;
import io.agentmq.api.Outcome;
import io.agentmq.api.Subscription;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("awaitIdle()")
class AwaitIdleTest {

  @RegisterExtension
  static final AgentMqExtension mq =
      AgentMqExtension.create()
          .configure(c -> c.retryBackoff(Duration.ofMinutes(10), Duration.ofMinutes(10)));

  @Test
  @DisplayName("waits for a delivery still in an asynchronous handler, naming it when it times out")
  void waitsForInFlight(TestBroker broker) throws Exception {
    String topic = broker.topic("jobs");
    CompletableFuture<Void> work = new CompletableFuture<>();
    CountDownLatch started = new CountDownLatch(1);
    broker
        .queue()
        .subscribe(
            Subscription.to(topic)
                .group("workers")
                .asyncHandler(
                    d -> {
                      started.countDown();
                      return work;
                    })
                .build());
    broker.producer().sendAndWait(topic, Message.ofText("job"));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    assertThatThrownBy(() -> broker.awaitIdle(Duration.ofMillis(200)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("not idle after 200 ms on the memory broker")
        .hasMessageContaining("subscriber of [" + topic + "] (group workers): 1 in flight");

    work.complete(null);
    broker.awaitIdle();
    assertThat(broker.outcomes(topic)).containsExactly(Outcome.ACKNOWLEDGED);
  }

  @Test
  @DisplayName("waits for a synchronous handler that is still running")
  void waitsForRunningHandler(TestBroker broker) throws Exception {
    String topic = broker.topic("jobs");
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    broker
        .queue()
        .subscribe(
            topic,
            "workers",
            d -> {
              started.countDown();
              release.await();
            });
    broker.producer().sendAndWait(topic, Message.ofText("job"));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    assertThatThrownBy(() -> broker.awaitIdle(Duration.ofMillis(200)))
        .hasMessageContaining("1 not yet acknowledged")
        .hasMessageContaining("1 delivery(ies) still in a handler");

    release.countDown();
    broker.awaitIdle();
    assertThat(broker.outcomes(topic)).containsExactly(Outcome.ACKNOWLEDGED);
  }

  @Test
  @DisplayName("waits for a retry pending its backoff, and says to advance the clock")
  void waitsForPendingRetry(TestBroker broker) {
    String topic = broker.topic("jobs");
    AtomicInteger failures = new AtomicInteger(1);
    broker
        .queue()
        .subscribe(
            topic,
            "workers",
            d -> {
              if (failures.getAndDecrement() > 0) {
                throw new IllegalStateException("not yet");
              }
            });
    Message job = Message.ofText("job");
    broker.producer().sendAndWait(topic, job);

    assertThatThrownBy(() -> broker.awaitIdle(Duration.ofMillis(300)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "message "
                + job.id()
                + " of '"
                + topic
                + "' (group workers) waits for its retry after failed attempt 1")
        .hasMessageContaining("move it past the backoff with clock().advance(...)");
    assertThat(broker.outcomes(topic)).containsExactly(Outcome.REDELIVERY_SCHEDULED);

    broker.clock().advance(Duration.ofMinutes(10));
    broker.awaitIdle();
    assertThat(broker.outcomes(topic))
        .containsExactly(Outcome.REDELIVERY_SCHEDULED, Outcome.ACKNOWLEDGED);
  }

  @Test
  @DisplayName("waits for messages published by a handler to be handled downstream")
  void waitsForChainedWork(TestBroker broker) {
    String first = broker.topic("first");
    String second = broker.topic("second");
    AtomicInteger handled = new AtomicInteger();
    broker
        .queue()
        .subscribe(
            first,
            "relay",
            d -> d.producer().sendAndWait(second, Message.ofText(new String(d.payload()))));
    broker.queue().subscribe(second, "sink", d -> handled.incrementAndGet());
    for (int i = 0; i < 100; i++) {
      broker.producer().send(first, Message.ofText("m" + i));
    }
    broker.awaitIdle();
    assertThat(handled).hasValue(100);
    assertThat(broker.published(second)).hasSize(100);
  }

  @Test
  @DisplayName("returns at once when nothing is subscribed")
  void idleWithoutSubscribers(TestBroker broker) {
    broker.awaitIdle(Duration.ofMillis(100));
  }
}
