package io.agentmq.memory;

import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.Outcome;
import io.agentmq.api.Producer;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.Settlement;
import io.agentmq.spi.support.DeliveryEngine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscriber's share of one partition of its group: drains the partition's messages in order for
 * the {@link PollingThread} holding its {@link GroupCursor}'s claim, and settles their deliveries
 * on the cursor.
 *
 * <p>A retry leaves the cursor where it is and marks when it may be retried; no thread sleeps
 * meanwhile.
 */
final class PartitionWorker implements Settlement<Void> {
  private static final Logger log = LoggerFactory.getLogger(PartitionWorker.class);
  private static final int BATCH = 256;
  private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  final GroupCursor cursor;
  private final MemoryBroker broker;
  private final Producer contextProducer;
  private final RunState state;
  private final AtomicInteger inFlight;
  private final DeliveryEngine<Void> engine;
  private final RetryClock retryClock;

  /** {@code inFlight} is the subscriber's count of asynchronous handlers still running. */
  PartitionWorker(
      GroupCursor cursor,
      ConsumerSettings settings,
      MemoryBroker broker,
      Producer contextProducer,
      RunState state,
      AtomicInteger inFlight) {
    this.cursor = cursor;
    this.broker = broker;
    this.contextProducer = contextProducer;
    this.state = state;
    this.inFlight = inFlight;
    this.engine = new DeliveryEngine<>(settings, this);
    this.retryClock = broker.retryClock();
  }

  /**
   * Handles up to {@link #BATCH} messages of the claimed partition in order, then releases the
   * claim unless an asynchronous handler still runs (its completion releases it).
   *
   * @return how many deliveries were handled
   */
  int drain(PollingThread thread) {
    PartitionLog partition = cursor.log;
    int handled = 0;
    boolean keepClaim = false;
    skipEvicted();
    // Read the sender's tail once per batch, not per message: it is on a line the sender writes.
    long limit = partition.tail();
    // One clock read per batch stands for the start of each of its deliveries in health checks;
    // a batch ends after BATCH_NANOS so the figure is never far behind.
    long batchStart = System.nanoTime();
    thread.busySinceNanos = batchStart;
    try {
      while (handled < BATCH && state.running() && !state.paused()) {
        long offset = cursor.committed();
        if (offset >= limit && offset >= (limit = partition.tail())) {
          break;
        }
        long retryAt = cursor.retryAtNanos;
        if (retryAt != 0) {
          if (retryAt - retryClock.nanos() > 0) {
            thread.retryAt(retryAt);
            break;
          }
          cursor.retryAtNanos = 0;
        }
        Delivery delivery = delivery(offset);
        CompletableFuture<Outcome> outcome;
        try {
          outcome = engine.process(delivery, null);
        } finally {
          // A handler may leave the interrupt flag set; it must not break this thread's parking.
          if (Thread.currentThread().isInterrupted()) {
            Thread.interrupted();
          }
        }
        handled++;
        if ((handled & 15) == 0) {
          long now = System.nanoTime();
          if (now - batchStart > BATCH_NANOS) {
            break;
          }
          thread.busySinceNanos = now;
        }
        if (!outcome.isDone()) {
          keepClaim = true;
          inFlight.incrementAndGet();
          outcome.whenComplete(
              (o, e) -> {
                inFlight.decrementAndGet();
                cursor.release();
                cursor.signal.wakeAll();
              });
          break;
        }
        if (cursor.retryAtNanos != 0) {
          thread.retryAt(cursor.retryAtNanos);
          break;
        }
      }
    } finally {
      thread.busySinceNanos = 0;
      if (!keepClaim) {
        cursor.release();
        if (cursor.committed() < partition.tail()) {
          // Paused or closing with work left: another consumer of the group may take it.
          cursor.signal.wake();
        }
      }
    }
    return handled;
  }

  /**
   * Moves past messages the partition no longer holds. Back-pressure keeps what the group has not
   * acknowledged, so this only happens if a topic was deleted and re-created under a running
   * consumer; checked once per batch, as nothing can be overwritten under a claim.
   */
  private void skipEvicted() {
    PartitionLog partition = cursor.log;
    long earliest = partition.earliest();
    long offset = cursor.committed();
    if (offset < earliest) {
      log.error(
          "Group {} skips offsets {}..{} of '{}' partition {}: no longer held",
          cursor.group,
          offset,
          earliest - 1,
          partition.topic,
          partition.partition);
      cursor.commit(earliest);
    }
  }

  private Delivery delivery(long offset) {
    PartitionLog partition = cursor.log;
    Message message = partition.read(offset);
    int attempt = cursor.attempt;
    if (attempt > 1) {
      message = message.withHeader(Headers.ATTEMPT, Integer.toString(attempt));
    }
    Producer producer = engine.handlerProducer(contextProducer);
    return new Delivery(
        message, partition.topic, partition.partition, offset, cursor.group, attempt, producer);
  }

  @Override
  public void acknowledge(Delivery delivery, Void handle) {
    cursor.commit(delivery.offset() + 1);
  }

  @Override
  public void publishOutputs(Delivery delivery, Void handle, List<Output> outputs) {
    outputs.forEach(o -> broker.publish(o.topic(), o.message()));
  }

  /**
   * Marks when the cursor's message may be retried, on the {@link RetryClock}; no thread takes it
   * up (or sleeps) until then.
   */
  @Override
  public void redeliver(Delivery delivery, Void handle, Duration delay, int attempt) {
    cursor.attempt = attempt;
    long at = retryClock.nanos() + Math.max(1, delay.toNanos());
    cursor.retryAtNanos = at == 0 ? 1 : at; // 0 means "not waiting"
  }

  @Override
  public CompletionStage<?> publishDeadLetter(
      String topic, Message deadLetter, Delivery original, Void handle) {
    try {
      return CompletableFuture.completedFuture(broker.publish(topic, deadLetter));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
