package io.agentmq.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.DeliveryObserver;
import io.agentmq.api.Message;
import io.agentmq.api.MessageHandler;
import io.agentmq.api.MessagingException;
import io.agentmq.api.Outcome;
import io.agentmq.api.RetryPolicy;
import io.agentmq.api.StartPosition;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.Settlement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The outcome rules the conformance suite cannot provoke: a dead-letter topic that fails. */
class DeliveryEngineTest {

  /** Records what the engine asked for; its dead-letter publish fails when told to. */
  private static class RecordingSettlement implements Settlement<String> {
    final List<String> calls = new ArrayList<>();
    final List<Integer> nextAttempts = new ArrayList<>();
    boolean deadLetterFails;

    @Override
    public void acknowledge(Delivery delivery, String handle) {
      calls.add("ack " + handle);
    }

    @Override
    public void publishOutputs(Delivery delivery, String handle, List<Output> outputs) {
      outputs.forEach(o -> calls.add("publish " + o.topic() + " " + o.message().payloadAsText()));
    }

    @Override
    public void redeliver(Delivery delivery, String handle, Duration delay, int attempt) {
      calls.add("redeliver " + handle);
      nextAttempts.add(attempt);
    }

    @Override
    public CompletionStage<?> publishDeadLetter(
        String topic, Message deadLetter, Delivery d, String handle) {
      calls.add("dead-letter " + topic);
      return deadLetterFails
          ? CompletableFuture.failedFuture(MessagingException.retriable("broker down"))
          : CompletableFuture.completedFuture(null);
    }
  }

  private static DeliveryEngine<String> engine(
      DeliveryMode mode, MessageHandler handler, Settlement<String> settlement) {
    return engine(mode, handler, RetryPolicy.ofRetries(0), settlement, DeliveryObserver.NONE);
  }

  private static DeliveryEngine<String> engine(
      DeliveryMode mode,
      MessageHandler handler,
      RetryPolicy retries,
      Settlement<String> settlement,
      DeliveryObserver observer) {
    ConsumerSettings settings =
        new ConsumerSettings(
            List.of("t"),
            "g",
            handler,
            null,
            1,
            1,
            mode,
            retries,
            DeadLetterPolicy.ENABLED,
            StartPosition.EARLIEST,
            Duration.ofSeconds(1),
            Duration.ofMinutes(1),
            1_048_576,
            observer);
    return new DeliveryEngine<>(settings, settlement);
  }

  private static Delivery delivery() {
    return new Delivery(Message.ofText("x"), "t", 0, 5, "g", 1, null);
  }

  private static Delivery delivery(DeliveryEngine<String> engine) {
    return new Delivery(Message.ofText("x"), "t", 0, 5, "g", 1, engine.handlerProducer(null));
  }

  private static final MessageHandler FAILS =
      d -> {
        throw new IllegalStateException("boom");
      };

  @Test
  @DisplayName("redelivers instead of acknowledging when the dead-letter publish fails")
  void deadLetterFailureRedelivers() {
    RecordingSettlement settlement = new RecordingSettlement();
    settlement.deadLetterFails = true;

    Outcome outcome =
        engine(DeliveryMode.AT_LEAST_ONCE, FAILS, settlement).process(delivery(), "h").join();

    assertThat(outcome).isEqualTo(Outcome.REDELIVERY_SCHEDULED);
    assertThat(settlement.calls).containsExactly("dead-letter t.deadletter", "redeliver h");
  }

  @Test
  @DisplayName("acknowledges only after the dead letter is published")
  void deadLetterThenAck() {
    RecordingSettlement settlement = new RecordingSettlement();

    Outcome outcome =
        engine(DeliveryMode.AT_LEAST_ONCE, FAILS, settlement).process(delivery(), "h").join();

    assertThat(outcome).isEqualTo(Outcome.DEAD_LETTERED);
    assertThat(settlement.calls).containsExactly("dead-letter t.deadletter", "ack h");
  }

  @Test
  @DisplayName("acknowledges before the handler under at-most-once, and never redelivers")
  void atMostOnceAcksFirst() {
    RecordingSettlement settlement = new RecordingSettlement();
    settlement.deadLetterFails = true;

    Outcome outcome =
        engine(DeliveryMode.AT_MOST_ONCE, FAILS, settlement).process(delivery(), "h").join();

    assertThat(outcome).isEqualTo(Outcome.DISCARDED);
    assertThat(settlement.calls).containsExactly("ack h", "dead-letter t.deadletter");
  }

  @Test
  @DisplayName("redelivers when acknowledging fails")
  void ackFailureRedelivers() {
    List<String> seen = new ArrayList<>();
    Settlement<String> failingAck =
        new RecordingSettlement() {
          @Override
          public void acknowledge(Delivery delivery, String handle) {
            seen.add("ack attempt");
            throw MessagingException.retriable("commit failed");
          }

          @Override
          public void redeliver(Delivery delivery, String handle, Duration delay, int attempt) {
            seen.add("redeliver");
          }
        };
    DeliveryEngine<String> engine =
        engine(
            DeliveryMode.AT_LEAST_ONCE,
            d -> {},
            RetryPolicy.ofRetries(3),
            failingAck,
            DeliveryObserver.NONE);

    assertThat(engine.process(delivery(), "h").join()).isEqualTo(Outcome.REDELIVERY_SCHEDULED);
    assertThat(seen).containsExactly("ack attempt", "redeliver");
  }

  @Test
  @DisplayName(
      "under exactly-once publishes a handler's sends just before the ack, never on failure")
  void exactlyOnceStaging() {
    RecordingSettlement settlement = new RecordingSettlement();
    MessageHandler sendsTwice =
        d -> {
          d.producer().send("out", Message.ofText("a"));
          d.producer().send("out", Message.ofText("b"));
        };
    DeliveryEngine<String> ok =
        engine(
            DeliveryMode.EXACTLY_ONCE,
            sendsTwice,
            RetryPolicy.ofRetries(3),
            settlement,
            DeliveryObserver.NONE);

    ok.process(delivery(ok), "h").join();

    assertThat(settlement.calls).containsExactly("publish out a", "publish out b", "ack h");

    settlement.calls.clear();
    MessageHandler sendsThenFails =
        d -> {
          d.producer().send("out", Message.ofText("c"));
          throw new IllegalStateException("after sending");
        };
    DeliveryEngine<String> failing =
        engine(
            DeliveryMode.EXACTLY_ONCE,
            sendsThenFails,
            RetryPolicy.ofRetries(3),
            settlement,
            DeliveryObserver.NONE);

    failing.process(delivery(failing), "h").join();

    assertThat(settlement.calls).containsExactly("redeliver h");
  }

  @Test
  @DisplayName("tells the observer each outcome with the handler's failure")
  void observerSeesOutcomes() {
    List<String> seen = new ArrayList<>();
    DeliveryObserver observer =
        (d, outcome, failure) ->
            seen.add(outcome + failure.map(f -> " " + f.getMessage()).orElse(""));
    RecordingSettlement settlement = new RecordingSettlement();

    engine(DeliveryMode.AT_LEAST_ONCE, d -> {}, RetryPolicy.ofRetries(1), settlement, observer)
        .process(delivery(), "h")
        .join();
    DeliveryEngine<String> failing =
        engine(DeliveryMode.AT_LEAST_ONCE, FAILS, RetryPolicy.ofRetries(1), settlement, observer);
    failing.process(delivery(), "h").join();
    failing.process(new Delivery(Message.ofText("x"), "t", 0, 5, "g", 2, null), "h").join();

    assertThat(seen)
        .containsExactly("ACKNOWLEDGED", "REDELIVERY_SCHEDULED boom", "DEAD_LETTERED boom");
  }

  @Test
  @DisplayName(
      "dead-letters without calling the handler a message whose earlier attempts had no outcome"
          + " (its consumer died each time)")
  void crashLoopingMessageIsDeadLettered() {
    RecordingSettlement settlement = new RecordingSettlement();
    List<String> handled = new ArrayList<>();
    DeliveryEngine<String> engine =
        engine(
            DeliveryMode.AT_LEAST_ONCE,
            d -> handled.add(d.id()),
            RetryPolicy.ofRetries(2),
            settlement,
            DeliveryObserver.NONE);

    Outcome outcome =
        engine.process(new Delivery(Message.ofText("x"), "t", 0, 5, "g", 4, null), "h").join();

    assertThat(outcome).isEqualTo(Outcome.DEAD_LETTERED);
    assertThat(handled).isEmpty();
    assertThat(settlement.calls).containsExactly("dead-letter t.deadletter", "ack h");
  }

  @Test
  @DisplayName(
      "redelivers a message whose handler failed for the infrastructure as the same attempt, even"
          + " past max_retries, while a handler failure counts")
  void infrastructureFailureUsesNoRetry() {
    RecordingSettlement settlement = new RecordingSettlement();
    MessageHandler outputRefused =
        d -> {
          throw new IllegalStateException(
              "output not stored", MessagingException.retriable("broker unreachable"));
        };
    DeliveryEngine<String> engine =
        engine(
            DeliveryMode.AT_LEAST_ONCE,
            outputRefused,
            RetryPolicy.ofRetries(1),
            settlement,
            DeliveryObserver.NONE);

    Outcome outcome =
        engine.process(new Delivery(Message.ofText("x"), "t", 0, 5, "g", 2, null), "h").join();

    assertThat(outcome).isEqualTo(Outcome.REDELIVERY_SCHEDULED);
    assertThat(settlement.calls).containsExactly("redeliver h");
    assertThat(settlement.nextAttempts).containsExactly(2);

    settlement.calls.clear();
    settlement.nextAttempts.clear();
    engine(
            DeliveryMode.AT_LEAST_ONCE,
            FAILS,
            RetryPolicy.ofRetries(3),
            settlement,
            DeliveryObserver.NONE)
        .process(new Delivery(Message.ofText("x"), "t", 0, 5, "g", 2, null), "h")
        .join();
    assertThat(settlement.nextAttempts).containsExactly(3);
  }
}
