package io.agentmq.kafka.consumer;

import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.Outcome;
import io.agentmq.api.Producer;
import io.agentmq.kafka.KafkaCodec;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.Settlement;
import io.agentmq.spi.support.DeliveryEngine;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One assigned partition: the queue of its fetched records, the scheduling of its drain on the
 * worker pool (one drain at a time, so records are handled in order), and the settlement of its
 * deliveries.
 *
 * <p>At-least-once, a partition whose previous owner may have died in a handler is handed out one
 * record at a time, each after its attempt record is committed ({@link CrashRecovery}).
 *
 * <p>A handler that ends with a {@link VirtualMachineError} (sync or async) gets no outcome from
 * the engine, which rethrows it: the delivery counts as a failed attempt that was not handled, the
 * partition seeks back to it after the retry backoff (its offset is never committed past), it is
 * redelivered after its attempt record is committed (so if the error kills the process, the next
 * owner counts it), and the subscriber reports DOWN with the error from then on: the JVM may not be
 * sound after one. At-most-once committed it before handling: it is discarded, and reported.
 *
 * <p>Its monitor guards the queue, {@code scheduled}, the {@link PartitionSeeks}, the {@link
 * CrashRecovery} and the drain's own state; {@code notifyAll} on it wakes {@link #awaitIdle}.
 */
final class PartitionWorker implements Settlement<Void> {
  private static final Logger log = LoggerFactory.getLogger(PartitionWorker.class);

  private final TopicPartition partition;
  private final String group;
  private final RunState state;
  private final Executor workers;
  private final DeliveryEngine<Void> engine;
  private final PartitionProgress progress;
  private final PartitionSeeks seeks;
  private final RetryAttempts attempts = new RetryAttempts();
  private final CrashRecovery recovery = new CrashRecovery();
  private final NoOutcome noOutcome;
  private final int recoveryWindow;
  private final DrainStrategy drain;
  private final ArrayDeque<ConsumerRecord<byte[], byte[]>> records = new ArrayDeque<>();

  /** The {@link BackPressure#sizeOf} sum of {@code records}. */
  private long queuedBytes;

  /** A drain runs or is queued on the pool (or awaits an async handler to continue). */
  private boolean scheduled;

  private volatile boolean revoked;

  /** When the oldest delivery still in a handler started; 0 when none is. */
  private volatile long busySince;

  /** Paused because too much is queued (poll thread). */
  private boolean heldBack;

  /**
   * @param recoveryWindow how many records a crash recovery covers ({@link CrashRecovery})
   */
  PartitionWorker(
      TopicPartition partition,
      long position,
      ConsumerSettings settings,
      RunState state,
      Executor workers,
      Function<PartitionWorker, DrainStrategy> drains,
      int recoveryWindow) {
    this.partition = partition;
    this.group = settings.group();
    this.state = state;
    this.workers = workers;
    this.noOutcome = new NoOutcome(this, settings, state, attempts);
    this.recoveryWindow = recoveryWindow;
    this.progress = new PartitionProgress(partition, position);
    this.seeks = new PartitionSeeks(partition, progress);
    this.engine = new DeliveryEngine<>(settings, this);
    this.drain = drains.apply(this);
  }

  TopicPartition partition() {
    return partition;
  }

  String group() {
    return group;
  }

  PartitionProgress progress() {
    return progress;
  }

  // ---- poll thread --------------------------------------------------------------------------

  synchronized int queued() {
    return records.size();
  }

  synchronized long queuedBytes() {
    return queuedBytes;
  }

  /** Poll thread: adds fetched records and makes sure a worker drains them. */
  synchronized void enqueue(List<ConsumerRecord<byte[], byte[]>> fetched) {
    if (revoked || seeks.pending()) {
      return; // fetched before the pause took effect; they are read again after the seek
    }
    if (progress.done() < 0) {
      progress.restartAt(fetched.get(0).offset()); // the position was unknown at assignment
      recovery.startAt(fetched.get(0).offset());
    }
    records.addAll(fetched);
    fetched.forEach(r -> queuedBytes += BackPressure.sizeOf(r));
    if (!scheduled) {
      scheduled = true;
      workers.execute(drain::drain);
    }
  }

  boolean heldBack() {
    return heldBack;
  }

  void heldBack(boolean heldBack) {
    this.heldBack = heldBack;
  }

  boolean revoked() {
    return revoked;
  }

  boolean seekPending() {
    return seeks.pending();
  }

  synchronized long seekDueNanos() {
    return seeks.dueNanos();
  }

  /** Poll thread: performs a pending seek once due and nothing of the partition is in hand. */
  synchronized boolean applySeek(Consumer<byte[], byte[]> consumer) {
    if (revoked || !seeks.holdUntilDue(consumer, !scheduled && !drain.hasUnsettled())) {
      return false;
    }
    drain.sought();
    seeks.seek(consumer);
    return true;
  }

  /**
   * Poll thread, at assignment (before anything is fetched): the previous owner may have died in a
   * handler, as {@code marker} says; the attempt it records carries over.
   */
  synchronized void recover(CommitMarker marker) {
    if (marker instanceof CommitMarker.Attempt recorded) {
      attempts.failed(recorded.offset(), recorded.attempt(), recorded.offset());
    }
    recovery.begin(progress.done(), recoveryWindow);
  }

  /**
   * Poll thread: the attempt record to commit before the next record may be handed out, or null
   * when none is due now (not recovering, nothing queued, or a delivery still in hand).
   */
  synchronized CommitMarker.Attempt attemptToRecord() {
    ConsumerRecord<byte[], byte[]> head = records.peek();
    if (head == null
        || !recovery.active(progress.done())
        || recovery.recorded(head.offset())
        || scheduled
        || busySince != 0
        || drain.hasUnsettled()
        || !mayHandle()) {
      return null;
    }
    return new CommitMarker.Attempt(head.offset(), attempts.attemptOf(head.offset()));
  }

  /** Poll thread: the attempt record of {@code offset} is committed; its record may go. */
  void attemptRecorded(long offset) {
    synchronized (this) {
      recovery.record(offset);
    }
    kick();
  }

  /** Poll thread: whether queued records wait for their attempt records. */
  synchronized boolean recovering() {
    return !records.isEmpty() && recovery.active(progress.done());
  }

  /** Stops handing out records and drops the queued ones (the partition goes). */
  synchronized void revoke() {
    revoked = true;
    records.clear();
    queuedBytes = 0;
  }

  /** Waits until no worker handles this partition; false if one still does at the deadline. */
  boolean awaitIdle(long deadlineNanos) {
    synchronized (this) {
      while ((scheduled || busySince != 0 || drain.hasUnsettled())
          && deadlineNanos - System.nanoTime() > 0) {
        try {
          TimeUnit.NANOSECONDS.timedWait(
              this, Math.min(deadlineNanos - System.nanoTime(), 50_000_000L));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      return !scheduled && busySince == 0 && !drain.hasUnsettled();
    }
  }

  /** Releases what the drain holds for this partition (exactly-once: its producer). */
  void close() {
    drain.close();
  }

  // ---- drains -------------------------------------------------------------------------------

  /** Starts a drain if records wait and none runs (nothing once the consumer has shut down). */
  synchronized void kick() {
    if (!scheduled && !records.isEmpty()) {
      scheduled = true;
      try {
        workers.execute(drain::drain);
      } catch (RejectedExecutionException e) {
        scheduled = false;
        notifyAll();
      }
    }
  }

  /**
   * Whether records may be handed out: running, not paused, revoked or waiting for a seek, and the
   * member's assignment is not in doubt ({@link RunState#membershipInDoubt}).
   */
  boolean mayHandle() {
    return state.running()
        && !revoked
        && !seeks.pending()
        && !state.paused()
        && !state.membershipInDoubt();
  }

  /** Handing out stopped other than for a seek: the consumer closes, is paused or lost this. */
  boolean stopped() {
    return !state.running() || revoked || state.paused();
  }

  boolean aborted() {
    return state.aborted();
  }

  /**
   * The next queued record if records may be handed out, else null; while recovering, only a record
   * whose attempt record is committed.
   */
  synchronized ConsumerRecord<byte[], byte[]> poll() {
    ConsumerRecord<byte[], byte[]> head = mayHandle() ? records.peek() : null;
    if (head == null || !recovery.take(head.offset(), progress.done())) {
      return null;
    }
    queuedBytes -= BackPressure.sizeOf(head);
    return records.poll();
  }

  /** The next record to handle, or null, and then the drain has ended. */
  synchronized ConsumerRecord<byte[], byte[]> next() {
    ConsumerRecord<byte[], byte[]> record = poll();
    if (record == null) {
      endDrain();
    }
    return record;
  }

  /** The running drain ends: a later {@link #enqueue} or {@link #kick} starts another. */
  synchronized void endDrain() {
    scheduled = false;
    notifyAll();
  }

  /** An async handler completed: the suspended drain continues on the pool. */
  void resumeDrain() {
    busySince = 0;
    try {
      workers.execute(drain::drain);
    } catch (RejectedExecutionException e) {
      endDrain();
    }
  }

  long busySince() {
    return busySince;
  }

  void busySince(long nanos) {
    busySince = nanos;
  }

  /**
   * Hands the record to the handler through the engine; the future completes once settled, never
   * exceptionally. The handler sends through {@code producer}, or under exactly-once through the
   * engine's staging.
   */
  CompletableFuture<Outcome> handle(ConsumerRecord<byte[], byte[]> record, Producer producer) {
    int attempt = attempts.attemptOf(record.offset());
    Message message = KafkaCodec.fromRecord(record);
    if (attempt > 1) {
      message = message.withHeader(Headers.ATTEMPT, Integer.toString(attempt));
    }
    Delivery delivery =
        new Delivery(
            message,
            record.topic(),
            record.partition(),
            record.offset(),
            group,
            attempt,
            engine.handlerProducer(producer));
    CompletableFuture<Outcome> outcome;
    try {
      outcome = engine.process(delivery, null);
    } catch (VirtualMachineError e) {
      return CompletableFuture.completedFuture(noOutcome.settle(delivery, e));
    }
    if (outcome.isDone() && !outcome.isCompletedExceptionally()) {
      return outcome; // the synchronous success path allocates nothing
    }
    return outcome.handle((o, e) -> e == null ? o : noOutcome.settle(delivery, e));
  }

  /** Counts the next handing-out of {@code offset} durably, should the process die meanwhile. */
  synchronized void recordNextAttempt(long offset) {
    recovery.begin(offset, 1);
  }

  /** Re-reads the partition from {@code offset} once the delay has passed (see PartitionSeeks). */
  synchronized void requestSeek(long offset, long delayNanos) {
    seeks.request(offset, delayNanos);
    records.clear();
    queuedBytes = 0;
  }

  /** Re-reads from the offset the broker has committed for the group. */
  synchronized void requestSeekToCommitted() {
    seeks.requestToCommitted();
    records.clear();
    queuedBytes = 0;
  }

  // ---- settlement ---------------------------------------------------------------------------

  @Override
  public void acknowledge(Delivery delivery, Void handle) {
    attempts.succeeded(delivery.offset());
    drain.acknowledged(delivery);
  }

  @Override
  public void publishOutputs(Delivery delivery, Void handle, List<Output> outputs) {
    drain.publishOutputs(outputs);
  }

  @Override
  public void redeliver(Delivery delivery, Void handle, Duration delay, int attempt) {
    attempts.failed(delivery.offset(), attempt - 1, progress.done());
    requestSeek(delivery.offset(), delay.toNanos());
  }

  @Override
  public CompletionStage<?> publishDeadLetter(
      String topic, Message deadLetter, Delivery original, Void handle) {
    return drain.publishDeadLetter(topic, deadLetter, original);
  }
}
