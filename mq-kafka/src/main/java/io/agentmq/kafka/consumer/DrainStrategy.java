package io.agentmq.kafka.consumer;

import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.Message;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.Settlement;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * How one partition's queued records reach the handler, and what settling a delivery records: one
 * at a time ({@link SerialDrain}), several unsettled at once ({@link PipelinedDrain}), or in
 * transactions ({@link TransactionalDrain}). Picked once per consumer by {@link #of}; each
 * partition worker gets its own instance, whose state its worker's lock guards.
 */
interface DrainStrategy {

  /**
   * The strategy of a consumer's partitions, from its settings: exactly-once drains in
   * transactions; an async handler allowed several unfinished deliveries under at-least-once is
   * pipelined; anything else is handled one record at a time.
   */
  static Function<PartitionWorker, DrainStrategy> of(
      ConsumerSettings settings, QueueLink link, TransactionalProducers transactions) {
    DeliveryMode mode = settings.deliveryMode();
    if (mode == DeliveryMode.EXACTLY_ONCE) {
      return worker -> new TransactionalDrain(worker, transactions, link);
    }
    if (mode == DeliveryMode.AT_LEAST_ONCE
        && settings.asyncHandler() != null
        && settings.maxInFlight() > 1) {
      return worker -> new PipelinedDrain(worker, settings.maxInFlight(), link);
    }
    return worker -> new SerialDrain(worker, mode, link);
  }

  /** Worker thread: hands queued records to the handler until none may be handed out now. */
  void drain();

  /** The delivery is acknowledged or dead-lettered: record how far the partition is done. */
  void acknowledged(Delivery delivery);

  /**
   * Exactly-once: puts what an acknowledged handler sent into the partition's transaction.
   *
   * @throws IllegalStateException in the other modes, where handlers send directly
   */
  default void publishOutputs(List<Settlement.Output> outputs) {
    throw new IllegalStateException("only exactly-once delivery stages a handler's sends");
  }

  /** Publishes the dead letter of {@code original}; the original is acknowledged once it is. */
  CompletionStage<?> publishDeadLetter(String topic, Message deadLetter, Delivery original);

  /** Whether deliveries were handed out whose outcome is unknown yet (worker's lock held). */
  default boolean hasUnsettled() {
    return false;
  }

  /** The partition is sought back; what was not acknowledged is read again (worker's lock held). */
  default void sought() {}

  /** The partition goes: releases what the drain holds for it. */
  default void close() {}
}
