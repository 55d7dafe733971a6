package io.agentmq.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryObserver;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingObserver;
import io.agentmq.api.Outcome;
import io.agentmq.api.SubscriberStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ConsumerObservationTest {
  private final MessagingObservers observers = new MessagingObservers();

  private static Delivery delivery(Instant published) {
    return new Delivery(
        Message.builder(new byte[0]).timestamp(published).build(), "t", 3, 7, "g", 1, null);
  }

  @Test
  void aDeliveryInTheHandlerIsTheLanesTimeLagUntilTheLaneIsCaughtUp() throws Exception {
    ConsumerObservation o = ConsumerObservation.of(DeliveryObserver.NONE, Duration.ofMinutes(1));
    ConsumerObservation.Lane lane = o.lane("t", 3);
    Delivery old = delivery(Instant.now().minusSeconds(30));

    long start = o.delivered(lane, old);
    SubscriberStatus.TimeLag held = o.timeLags().get(0);
    assertThat(held.topic()).isEqualTo("t");
    assertThat(held.partition()).isEqualTo(3);
    assertThat(held.age()).isBetween(Duration.ofSeconds(29), Duration.ofSeconds(40));

    o.settled(lane, old, Outcome.ACKNOWLEDGED, null, start);
    // Just settled: the wait it had stands (the next delivery is normally under way).
    assertThat(o.timeLags().get(0).age()).isBetween(Duration.ofSeconds(29), Duration.ofSeconds(40));
    Thread.sleep(ConsumerObservation.CAUGHT_UP_NANOS / 1_000_000 + 100);
    assertThat(o.timeLags().get(0).age()).isZero();
  }

  @Test
  void aMessageWaitingForItsRedeliveryKeepsTheLaneBehindUntilItIsHandled() throws Exception {
    ConsumerObservation o = ConsumerObservation.of(DeliveryObserver.NONE, Duration.ofMinutes(1));
    ConsumerObservation.Lane lane = o.lane("t", 3);
    Instant published = Instant.now().minusSeconds(30);
    Delivery first = delivery(published);
    long start = o.delivered(lane, first);
    lane.redeliveryIn(Duration.ofMinutes(10));
    o.settled(lane, first, Outcome.REDELIVERY_SCHEDULED, new IllegalStateException("x"), start);
    Thread.sleep(ConsumerObservation.CAUGHT_UP_NANOS / 1_000_000 + 100);
    // Its backoff runs: it is still the oldest message not handled.
    assertThat(o.timeLags().get(0).age()).isGreaterThanOrEqualTo(Duration.ofSeconds(30));

    Delivery again = new Delivery(first.message(), "t", 3, 7, "g", 2, null);
    o.settled(lane, again, Outcome.ACKNOWLEDGED, null, o.delivered(lane, again));
    Thread.sleep(ConsumerObservation.CAUGHT_UP_NANOS / 1_000_000 + 100);
    assertThat(o.timeLags().get(0).age()).isZero();
  }

  @Test
  void everyObserverIsToldWithTheHandlerTimeAndAThrowingOneIsSkipped() {
    List<String> told = new ArrayList<>();
    observers.add(
        new MessagingObserver() {
          @Override
          public void delivered(Delivery delivery) {
            throw new IllegalStateException("observer bug");
          }
        });
    observers.add(
        new MessagingObserver() {
          @Override
          public void delivered(Delivery delivery) {
            told.add("delivered");
          }

          @Override
          public void settled(
              Delivery delivery, Outcome outcome, Optional<Throwable> failure, long nanos) {
            told.add(
                outcome + " " + failure.map(Throwable::getMessage).orElse("") + " " + (nanos >= 0));
          }
        });
    List<Outcome> subscription = new ArrayList<>();
    ConsumerObservation o =
        new ConsumerObservation(
            observers, (d, outcome, failure) -> subscription.add(outcome), Duration.ofMinutes(1));
    Delivery d = delivery(Instant.now());
    long start = o.delivered(o.lane("t", 0), d);
    o.settled(o.lane("t", 0), d, Outcome.DEAD_LETTERED, new IllegalStateException("x"), start);

    assertThat(told).containsExactly("delivered", "DEAD_LETTERED x true");
    assertThat(subscription).containsExactly(Outcome.DEAD_LETTERED);
  }

  @Test
  void noProgressWhileMessagesWaitIsAStallUnlessPausedOrNothingWaits() throws Exception {
    ConsumerObservation o = ConsumerObservation.of(DeliveryObserver.NONE, Duration.ofMillis(50));
    Thread.sleep(100);

    assertThat(o.stall(false, OptionalLong.of(5)))
        .hasValueSatisfying(why -> assertThat(why).contains("while 5 wait").contains("50"));
    assertThat(o.stall(true, OptionalLong.of(5))).isEmpty();
    assertThat(o.stall(false, OptionalLong.of(0))).isEmpty();
    assertThat(o.stall(false, OptionalLong.empty())).isEmpty();

    Delivery d = delivery(Instant.now());
    o.settled(o.lane("t", 0), d, Outcome.ACKNOWLEDGED, null, o.delivered(o.lane("t", 0), d));
    assertThat(o.stall(false, OptionalLong.of(5))).isEmpty();
  }

  @Test
  void waitingOutARetrysBackoffIsNoStall() throws Exception {
    ConsumerObservation o = ConsumerObservation.of(DeliveryObserver.NONE, Duration.ofMillis(50));
    o.waiting(Duration.ofMillis(300));
    Thread.sleep(150);
    assertThat(o.stall(false, OptionalLong.of(1))).isEmpty();
    Thread.sleep(250); // the backoff ended 100 ms ago, more than the stall timeout
    assertThat(o.stall(false, OptionalLong.of(1))).isPresent();
  }
}
