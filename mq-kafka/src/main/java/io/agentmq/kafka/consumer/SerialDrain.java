package io.agentmq.kafka.consumer;

import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.Message;
import io.agentmq.api.Outcome;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Hands a partition's records to the handler one at a time, in order: the next only once the
 * previous is settled (an async handler's completion continues the drain on the pool).
 */
final class SerialDrain implements DrainStrategy {
  private final PartitionWorker worker;
  private final QueueLink link;

  /** At-most-once commits what a poll fetched before handling: there is no progress to record. */
  private final boolean committedBeforeHandling;

  SerialDrain(PartitionWorker worker, DeliveryMode mode, QueueLink link) {
    this.worker = worker;
    this.link = link;
    this.committedBeforeHandling = mode == DeliveryMode.AT_MOST_ONCE;
  }

  @Override
  public void drain() {
    while (true) {
      ConsumerRecord<byte[], byte[]> record = worker.next();
      if (record == null) {
        return;
      }
      worker.busySince(System.nanoTime());
      CompletableFuture<Outcome> outcome = worker.handle(record, link.handlerProducer());
      if (!outcome.isDone()) {
        outcome.whenComplete((o, e) -> worker.resumeDrain());
        return; // the drain stays scheduled: the completion continues this partition
      }
      worker.busySince(0);
    }
  }

  @Override
  public void acknowledged(Delivery delivery) {
    if (!committedBeforeHandling) {
      worker.progress().markDone(delivery.offset() + 1);
    }
  }

  @Override
  public CompletionStage<?> publishDeadLetter(String topic, Message deadLetter, Delivery original) {
    return link.publisher().apply(topic, deadLetter);
  }
}
