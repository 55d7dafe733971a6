package io.agentmq.spi;

import io.agentmq.api.Delivery;
import io.agentmq.api.Message;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * How a backend settles a delivery; the {@link io.agentmq.spi.support.DeliveryEngine} decides which
 * of these happens, and owns the exactly-once staging of the handler's sends. Called on the thread
 * that completed the handler; implementations must not block for long.
 *
 * @param <H> the backend's handle of one delivery, given back with every call: a Kafka record, an
 *     AMQP delivery tag, an in-memory cursor. So a backend needs no side field for "the delivery in
 *     hand".
 */
public interface Settlement<H> {

  /**
   * The delivery is done: commit its offset / ack its tag. Throwing makes the engine treat the
   * delivery as failed and redeliver it.
   */
  void acknowledge(Delivery delivery, H handle);

  /**
   * Exactly-once only, just before {@link #acknowledge}: publish what the handler sent, in send
   * order, so that they are stored together with the acknowledgement (Kafka: in its transaction;
   * RabbitMQ: confirmed first; memory: appended). Throwing fails the delivery.
   */
  void publishOutputs(Delivery delivery, H handle, List<Output> outputs);

  /**
   * Deliver the same message again after {@code delay}, as attempt {@code attempt}, without
   * blocking the broker session meanwhile; later messages of the same key wait. The engine decides
   * the attempt: {@code delivery.attempt() + 1} after the handler failed, the same one when the
   * infrastructure did (a broker unreachable for an output), which uses up none of its retries.
   */
  void redeliver(Delivery delivery, H handle, Duration delay, int attempt);

  /**
   * Publish {@code deadLetter} to {@code topic} durably (with confirms where the broker has them).
   * The engine acknowledges the original only after the returned stage completes normally.
   */
  CompletionStage<?> publishDeadLetter(
      String topic, Message deadLetter, Delivery original, H handle);

  /**
   * Park {@code parked} (the delivery's message with its next attempt and {@code mq-retry-*}
   * headers) for a non-blocking retry after {@code delay}, durably; the engine acknowledges the
   * original only after the returned stage completes normally. By default it goes to the group's
   * retry topic, which the backend's consumer reads too ({@link ConsumerSettings#retryTopics()}).
   */
  default CompletionStage<?> park(
      Delivery delivery, H handle, String retryTopic, Message parked, Duration delay) {
    return publishDeadLetter(retryTopic, parked, delivery, handle);
  }

  /** A message an exactly-once handler sent, held until its delivery is acknowledged. */
  record Output(String topic, Message message) {}
}
