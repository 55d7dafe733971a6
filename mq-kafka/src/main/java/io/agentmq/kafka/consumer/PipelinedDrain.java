package io.agentmq.kafka.consumer;

import io.agentmq.api.Delivery;
import io.agentmq.api.Message;
import io.agentmq.api.Outcome;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Hands a partition's records to an async handler in order without waiting for their outcomes, up
 * to {@code maxInFlight} unsettled; a settling delivery continues the drain, and the partition's
 * progress moves over acknowledged deliveries only in offset order ({@link AckWindow}).
 */
final class PipelinedDrain implements DrainStrategy {
  private final PartitionWorker worker;
  private final int maxInFlight;
  private final QueueLink link;

  /** Guarded by the worker's lock, as is {@link #unsettled}. */
  private final AckWindow window = new AckWindow();

  /** Deliveries handed to the handler whose outcome is not known yet. */
  private int unsettled;

  PipelinedDrain(PartitionWorker worker, int maxInFlight, QueueLink link) {
    this.worker = worker;
    this.maxInFlight = maxInFlight;
    this.link = link;
  }

  @Override
  public void drain() {
    while (true) {
      ConsumerRecord<byte[], byte[]> record;
      synchronized (worker) {
        if (unsettled >= maxInFlight) {
          worker.endDrain(); // a settling delivery starts the next drain
          return;
        }
        record = worker.next();
        if (record == null) {
          return;
        }
        long now = System.nanoTime();
        window.start(record.offset(), now);
        unsettled++;
        if (worker.busySince() == 0) {
          worker.busySince(now);
        }
      }
      CompletableFuture<Outcome> outcome = worker.handle(record, link.handlerProducer());
      if (outcome.isDone()) {
        settled();
      } else {
        outcome.whenComplete((o, e) -> settled());
      }
    }
  }

  /**
   * A delivery's outcome is known (one without an outcome was sent back by the worker): frees its
   * slot and continues the drain.
   */
  private void settled() {
    synchronized (worker) {
      unsettled--;
      worker.busySince(unsettled == 0 ? 0 : window.oldestStart(System.nanoTime()));
      worker.notifyAll(); // awaitIdle and a pending seek wait for the last unsettled delivery
    }
    worker.kick();
  }

  @Override
  public void acknowledged(Delivery delivery) {
    synchronized (worker) {
      long next = window.acknowledge(delivery.offset());
      if (next >= 0) {
        worker.progress().markDone(next);
      }
    }
  }

  @Override
  public CompletionStage<?> publishDeadLetter(String topic, Message deadLetter, Delivery original) {
    return link.publisher().apply(topic, deadLetter);
  }

  @Override
  public boolean hasUnsettled() {
    return unsettled > 0;
  }

  @Override
  public void sought() {
    window.clear(); // all settled; the unacknowledged ones are read again from the seek target
  }
}
