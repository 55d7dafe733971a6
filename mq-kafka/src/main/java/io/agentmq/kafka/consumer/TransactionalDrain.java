package io.agentmq.kafka.consumer;

import io.agentmq.api.Delivery;
import io.agentmq.api.Message;
import io.agentmq.api.Outcome;
import io.agentmq.kafka.KafkaCodec;
import io.agentmq.spi.Settlement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once: handles a batch of a partition's records inside one transaction of the partition's
 * producer, so what each acknowledged handler sent, the dead letters and the consumed offsets
 * commit together. A failed handler's sends are discarded and the transaction commits what came
 * before it; a fenced or otherwise fatal producer is closed and recreated, and the partition
 * re-read from where it stood.
 */
final class TransactionalDrain implements DrainStrategy {
  private static final Logger log = LoggerFactory.getLogger(TransactionalDrain.class);

  /** Records per transaction: bounds what one failed transaction re-reads. */
  private static final int BATCH = 500;

  private final PartitionWorker worker;
  private final TransactionalProducers producers;
  private final QueueLink link;

  /** The partition's transactional producer (worker-owned, opened lazily). */
  private volatile Producer<byte[], byte[]> producer;

  /** A write into the open transaction failed; abort it. */
  private volatile RuntimeException broken;

  TransactionalDrain(PartitionWorker worker, TransactionalProducers producers, QueueLink link) {
    this.worker = worker;
    this.producers = producers;
    this.link = link;
  }

  @Override
  public void drain() {
    try {
      drainBatches();
    } catch (RuntimeException | Error e) {
      // Never leave the partition marked as being drained: it would never be sought or resumed.
      log.error(
          "Exactly-once worker of {} (group {}) failed", worker.partition(), worker.group(), e);
      close();
      worker.requestSeekToCommitted();
      worker.endDrain();
      throw e;
    }
  }

  private void drainBatches() {
    while (true) {
      List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
      synchronized (worker) {
        ConsumerRecord<byte[], byte[]> record;
        while (batch.size() < BATCH && (record = worker.poll()) != null) {
          batch.add(record);
        }
        if (batch.isEmpty()) {
          worker.endDrain();
          return;
        }
      }
      runTransaction(batch);
    }
  }

  private void runTransaction(List<ConsumerRecord<byte[], byte[]>> batch) {
    long upTo = -1;
    try {
      Producer<byte[], byte[]> transaction = openProducer();
      transaction.beginTransaction();
      broken = null;
      for (ConsumerRecord<byte[], byte[]> record : batch) {
        if (!worker.mayHandle()) {
          break; // closing, revoked, paused or retrying: commit what is done, leave the rest
        }
        worker.busySince(System.nanoTime());
        Outcome outcome;
        try {
          outcome = worker.handle(record, link.handlerProducer()).join();
        } finally {
          worker.busySince(0);
        }
        if (broken != null) {
          throw broken;
        }
        if (outcome != Outcome.ACKNOWLEDGED && outcome != Outcome.DEAD_LETTERED) {
          break; // a retry: re-read from the failed record after its backoff
        }
        upTo = record.offset() + 1;
      }
      if (worker.aborted()) {
        return; // as a crash: the open transaction is aborted when the next owner fences it
      }
      if (worker.stopped()) {
        // Records taken for this batch but not handled are read again from the committed offset.
        worker.requestSeekToCommitted();
      }
      if (upTo < 0) {
        transaction.abortTransaction();
        return;
      }
      transaction.sendOffsetsToTransaction(
          Map.of(worker.partition(), new OffsetAndMetadata(upTo)), producers.groupMetadata());
      transaction.commitTransaction();
      worker.progress().markDone(upTo);
    } catch (ProducerFencedException
        | InvalidProducerEpochException
        | OutOfOrderSequenceException
        | AuthorizationException fatal) {
      long done = worker.progress().done();
      log.warn(
          "Transactional producer of {} (group {}) failed fatally; recreating it and re-reading"
              + " from offset {}: {}",
          worker.partition(),
          worker.group(),
          done,
          fatal.toString());
      close();
      worker.requestSeek(done, 0);
    } catch (RuntimeException e) {
      // Also a commit whose outcome is unknown (a timeout): re-read from what the broker has.
      log.warn(
          "Transaction of {} (group {}) failed; aborting and re-reading from the committed"
              + " offset: {}",
          worker.partition(),
          worker.group(),
          e.toString());
      try {
        Producer<byte[], byte[]> open = producer;
        if (open != null) {
          open.abortTransaction();
        }
      } catch (RuntimeException abortFailure) {
        close();
      }
      worker.requestSeekToCommitted();
    }
  }

  private Producer<byte[], byte[]> openProducer() {
    Producer<byte[], byte[]> open = producer;
    if (open == null) {
      open = producers.open(worker.partition());
      producer = open;
    }
    return open;
  }

  /** Sends into the open transaction; a failure there aborts the whole transaction. */
  private void send(String topic, Message message) {
    Producer<byte[], byte[]> open = producer;
    if (open == null) {
      broken = new KafkaException("the transactional producer was closed");
      throw broken;
    }
    try {
      link.topicCreator().accept(topic);
      open.send(
          KafkaCodec.toRecord(topic, message),
          (metadata, error) -> {
            if (error != null && broken == null) {
              broken = new KafkaException("a transactional send failed", error);
            }
          });
    } catch (RuntimeException e) {
      broken = e;
      throw e;
    }
  }

  @Override
  public void acknowledged(Delivery delivery) {
    // The offset commits with the transaction (sendOffsetsToTransaction).
  }

  @Override
  public void publishOutputs(List<Settlement.Output> outputs) {
    outputs.forEach(o -> send(o.topic(), o.message()));
  }

  @Override
  public CompletionStage<?> publishDeadLetter(String topic, Message deadLetter, Delivery original) {
    try {
      send(topic, deadLetter);
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void close() {
    Producer<byte[], byte[]> open = producer;
    producer = null;
    if (open != null) {
      producers.close(open);
    }
  }
}
