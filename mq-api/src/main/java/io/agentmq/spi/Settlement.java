package io.agentmq.spi;

import io.agentmq.api.Delivery;
import io.agentmq.api.Message;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * How a backend settles a delivery; the {@link DeliveryEngine} decides which of these happens.
 * Called on the thread that completed the handler; implementations must not block for long.
 */
public interface Settlement {

  /**
   * The delivery is done: commit its offset / ack its tag. Under exactly-once, also publish what
   * the handler sent through the delivery's producer. Throwing makes the engine treat the delivery
   * as failed and redeliver it.
   */
  void acknowledge(Delivery delivery);

  /**
   * Deliver the same message again, with attempt {@code delivery.attempt() + 1}, after {@code
   * delay}, without blocking the broker session meanwhile; later messages of the same key wait.
   * Under exactly-once, discard what the handler sent.
   */
  void redeliver(Delivery delivery, Duration delay);

  /**
   * Publish {@code deadLetter} to {@code topic} durably (with confirms where the broker has them).
   * The engine acknowledges the original only after the returned stage completes normally.
   */
  CompletionStage<?> publishDeadLetter(String topic, Message deadLetter, Delivery original);
}
