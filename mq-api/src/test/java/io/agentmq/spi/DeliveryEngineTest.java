package io.agentmq.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.Message;
import io.agentmq.api.MessageHandler;
import io.agentmq.api.MessagingException;
import io.agentmq.api.RetryPolicy;
import io.agentmq.api.StartPosition;
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
  private static final class RecordingSettlement implements Settlement {
    final List<String> calls = new ArrayList<>();
    boolean deadLetterFails;

    @Override
    public void acknowledge(Delivery delivery) {
      calls.add("ack");
    }

    @Override
    public void redeliver(Delivery delivery, Duration delay) {
      calls.add("redeliver");
    }

    @Override
    public CompletionStage<?> publishDeadLetter(String topic, Message deadLetter, Delivery d) {
      calls.add("dead-letter " + topic);
      return deadLetterFails
          ? CompletableFuture.failedFuture(new MessagingException("broker down", true))
          : CompletableFuture.completedFuture(null);
    }
  }

  private static DeliveryEngine engine(
      DeliveryMode mode, MessageHandler handler, Settlement settlement) {
    return engine(mode, handler, RetryPolicy.ofRetries(0), settlement);
  }

  private static DeliveryEngine engine(
      DeliveryMode mode, MessageHandler handler, RetryPolicy retries, Settlement settlement) {
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
            Duration.ofMinutes(1));
    return new DeliveryEngine(settings, settlement);
  }

  private static Delivery delivery() {
    return new Delivery(Message.ofText("x"), "t", 0, 5, "g", 1, null);
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
        engine(DeliveryMode.AT_LEAST_ONCE, FAILS, settlement).process(delivery()).join();

    assertThat(outcome).isEqualTo(Outcome.REDELIVERY_SCHEDULED);
    assertThat(settlement.calls).containsExactly("dead-letter t.deadletter", "redeliver");
  }

  @Test
  @DisplayName("acknowledges only after the dead letter is published")
  void deadLetterThenAck() {
    RecordingSettlement settlement = new RecordingSettlement();

    Outcome outcome =
        engine(DeliveryMode.AT_LEAST_ONCE, FAILS, settlement).process(delivery()).join();

    assertThat(outcome).isEqualTo(Outcome.DEAD_LETTERED);
    assertThat(settlement.calls).containsExactly("dead-letter t.deadletter", "ack");
  }

  @Test
  @DisplayName("acknowledges before the handler under at-most-once, and never redelivers")
  void atMostOnceAcksFirst() {
    RecordingSettlement settlement = new RecordingSettlement();
    settlement.deadLetterFails = true;

    Outcome outcome =
        engine(DeliveryMode.AT_MOST_ONCE, FAILS, settlement).process(delivery()).join();

    assertThat(outcome).isEqualTo(Outcome.DISCARDED);
    assertThat(settlement.calls).containsExactly("ack", "dead-letter t.deadletter");
  }

  @Test
  @DisplayName("redelivers when acknowledging fails")
  void ackFailureRedelivers() {
    List<String> seen = new ArrayList<>();
    Settlement failingAck =
        new Settlement() {
          @Override
          public void acknowledge(Delivery delivery) {
            seen.add("ack attempt");
            throw new MessagingException("commit failed", true);
          }

          @Override
          public void redeliver(Delivery delivery, Duration delay) {
            seen.add("redeliver");
          }

          @Override
          public CompletionStage<?> publishDeadLetter(String topic, Message m, Delivery d) {
            throw new AssertionError("nothing to dead-letter");
          }
        };
    DeliveryEngine engine =
        engine(DeliveryMode.AT_LEAST_ONCE, d -> {}, RetryPolicy.ofRetries(3), failingAck);

    assertThat(engine.process(delivery()).join()).isEqualTo(Outcome.REDELIVERY_SCHEDULED);
    assertThat(seen).containsExactly("ack attempt", "redeliver");
  }
}
