package io.agentmq.kafka.consumer;

import io.agentmq.api.DeliveryMode;
import io.agentmq.spi.ConsumerSettings;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll thread: owns the {@link Consumer} from subscribe to close, and each round runs the
 * commands queued for it, performs due seeks, polls, hands the records to their partitions'
 * workers, commits the attempt records of recovering partitions, applies back-pressure and commits.
 */
final class PollLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(PollLoop.class);

  /** Poll timeout while a partition is paused for back-pressure or waits for attempt records. */
  private static final long HELD_BACK_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final Consumer<byte[], byte[]> consumer;
  private final ConsumerSettings settings;
  private final Duration pollTimeout;
  private final RunState state;
  private final ExecutorService workers;
  private final TransactionalProducers transactions;
  private final boolean atMostOnce;
  private final boolean exactlyOnce;

  /** At-least-once: offsets are committed up to what the handlers finished. */
  private final boolean commitsAfterHandling;

  private final Map<TopicPartition, PartitionWorker> partitions = new ConcurrentHashMap<>();
  private final OffsetCommitter committer;
  private final BackPressure backPressure;
  private final PartitionRebalancer rebalancer;

  /** Work for the poll thread, which alone may touch the consumer. */
  private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();

  private final CountDownLatch firstAssignment = new CountDownLatch(1);
  private volatile long lastPollNanos = System.nanoTime();
  private final long sessionNanos;
  private volatile Throwable failure;
  private volatile long lag = -1;

  PollLoop(
      Consumer<byte[], byte[]> consumer,
      ConsumerSettings settings,
      QueueLink link,
      RunState state,
      ExecutorService workers,
      Function<PartitionWorker, DrainStrategy> drains,
      TransactionalProducers transactions) {
    this.consumer = consumer;
    this.settings = settings;
    this.pollTimeout = link.pollTimeout();
    this.sessionNanos = sessionTimeout(link).toNanos();
    state.sessionTimeout(sessionNanos);
    this.state = state;
    this.workers = workers;
    this.transactions = transactions;
    this.atMostOnce = settings.deliveryMode() == DeliveryMode.AT_MOST_ONCE;
    this.exactlyOnce = settings.deliveryMode() == DeliveryMode.EXACTLY_ONCE;
    this.commitsAfterHandling = settings.deliveryMode() == DeliveryMode.AT_LEAST_ONCE;
    this.committer =
        new OffsetCommitter(
            consumer,
            settings.group(),
            tp -> {
              PartitionWorker worker = partitions.get(tp);
              return worker == null ? null : worker.progress();
            },
            commitsAfterHandling ? CommitMarker.RUNNING : CommitMarker.CLEAN);
    this.backPressure =
        new BackPressure(
            consumer,
            partitions.values(),
            link.maxQueuedPerPartition(),
            link.maxQueuedBytesPerPartition(),
            state);
    this.rebalancer =
        new PartitionRebalancer(
            consumer,
            settings,
            partitions,
            (tp, position) ->
                new PartitionWorker(
                    tp, position, settings, state, workers, drains, link.maxQueuedPerPartition()),
            committer,
            state,
            this::assigned);
  }

  // ---- other threads ------------------------------------------------------------------------

  /** The workers of the assigned partitions (read-only view). */
  Map<TopicPartition, PartitionWorker> partitions() {
    return Collections.unmodifiableMap(partitions);
  }

  long lastPollNanos() {
    return lastPollNanos;
  }

  /** Why the loop stopped, or null. */
  Throwable failure() {
    return failure;
  }

  /** {@code session.timeout.ms} of the consumer's properties, else Kafka's default (45 s). */
  private static Duration sessionTimeout(QueueLink link) {
    Object configured = link.consumerProperties().get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG);
    return configured == null
        ? Duration.ofSeconds(45)
        : Duration.ofMillis(Long.parseLong(configured.toString().trim()));
  }

  /** Records behind the end of the assigned partitions, updated about every second; -1 before. */
  long lag() {
    return lag;
  }

  /** Waits until the group gave this consumer its first assignment (possibly empty). */
  boolean awaitFirstAssignment(Duration timeout) throws InterruptedException {
    return firstAssignment.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The user paused the consumer: stop fetching for every assigned partition. */
  void pauseAll() {
    commands.add(() -> consumer.pause(consumer.assignment()));
  }

  /** The user resumed the consumer: fetch again, and hand out what was fetched before the pause. */
  void resumeAll() {
    commands.add(backPressure::resumeReady);
    partitions.values().forEach(PartitionWorker::kick);
  }

  /** Interrupts a poll in progress so the loop sees it should stop. */
  void wakeup() {
    consumer.wakeup();
  }

  // ---- poll thread --------------------------------------------------------------------------

  @Override
  public void run() {
    try {
      consumer.subscribe(settings.topicsWithRetries(), rebalancer);
      long nextLagUpdate = 0;
      while (state.running()) {
        runCommands();
        // Before polling: records a poll returns are then all from after any seek, never stale
        // ones fetched before it.
        applySeeks();
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = consumer.poll(pollTimeout());
        } catch (WakeupException e) {
          continue;
        }
        long polledAt = System.nanoTime();
        if (polledAt - lastPollNanos > sessionNanos) {
          // Frozen (SIGSTOP, a long GC pause) past the session: the group may have given the
          // partitions away. Nothing is handed out until a rebalance says what is still ours.
          log.warn(
              "Consumer of group {} did not poll for {} ms, longer than its session: holding its"
                  + " records until the group confirms its assignment",
              settings.group(),
              TimeUnit.NANOSECONDS.toMillis(polledAt - lastPollNanos));
          state.rejoining(true);
          consumer.enforceRebalance("poll gap longer than the session timeout");
        }
        lastPollNanos = polledAt;
        state.polled(polledAt);
        if (exactlyOnce) {
          transactions.groupMetadata(consumer.groupMetadata());
        }
        if (!records.isEmpty()) {
          if (atMostOnce && !committer.commitBeforeHandling(records)) {
            refetchFromCommitted(records.partitions());
            continue;
          }
          for (TopicPartition tp : records.partitions()) {
            PartitionWorker worker = partitions.get(tp);
            if (worker != null) {
              worker.enqueue(records.records(tp));
            }
          }
        }
        if (commitsAfterHandling) {
          recordAttempts();
        }
        backPressure.apply();
        if (commitsAfterHandling) {
          committer.commitAsync(progress(partitions.values()));
        }
        if (lastPollNanos - nextLagUpdate > 0) {
          updateLag();
          nextLagUpdate = lastPollNanos + TimeUnit.SECONDS.toNanos(1);
        }
      }
    } catch (Throwable t) {
      failure = t;
      log.error(
          "Consumer of {} (group {}) stopped: its poll loop failed",
          settings.topics(),
          settings.group(),
          t);
    } finally {
      shutdown();
    }
  }

  private void runCommands() {
    Runnable command;
    while ((command = commands.poll()) != null) {
      command.run();
    }
  }

  private void applySeeks() {
    for (PartitionWorker worker : partitions.values()) {
      if (worker.applySeek(consumer)) {
        backPressure.resumeIfReady(worker);
      }
    }
  }

  /**
   * Recovering partitions: commits the attempt record of each one's next record, then hands it out.
   */
  private void recordAttempts() {
    for (PartitionWorker worker : partitions.values()) {
      CommitMarker.Attempt attempt = worker.attemptToRecord();
      if (attempt != null && committer.commitAttempt(worker.progress(), attempt)) {
        worker.attemptRecorded(attempt.offset());
      }
    }
  }

  /** The poll timeout, shortened when a retry is due sooner or a partition is held back. */
  private Duration pollTimeout() {
    long now = System.nanoTime();
    long wait = pollTimeout.toNanos();
    for (PartitionWorker worker : partitions.values()) {
      long due = worker.seekDueNanos();
      if (due != Long.MAX_VALUE) {
        wait = Math.max(0, Math.min(wait, due - now));
      }
      if (worker.heldBack() || worker.recovering()) {
        // Its workers drain the queue in about a millisecond: look again soon to resume it (or to
        // record the next attempt), rather than leave the partition idle for a whole poll timeout.
        wait = Math.min(wait, HELD_BACK_POLL_NANOS);
      }
    }
    return Duration.ofNanos(Math.max(wait, TimeUnit.MILLISECONDS.toNanos(1)));
  }

  /** At-most-once, the pre-commit failed: nothing fetched is handed out, all is read again. */
  private void refetchFromCommitted(Set<TopicPartition> fetched) {
    for (TopicPartition tp : fetched) {
      PartitionWorker worker = partitions.get(tp);
      if (worker != null) {
        worker.requestSeekToCommitted();
      }
    }
  }

  private void updateLag() {
    long total = 0;
    for (TopicPartition tp : consumer.assignment()) {
      var partitionLag = consumer.currentLag(tp);
      if (partitionLag.isPresent()) {
        total += partitionLag.getAsLong();
      }
    }
    lag = total;
  }

  private void assigned() {
    if (exactlyOnce) {
      transactions.groupMetadata(consumer.groupMetadata());
    }
    if (state.membershipInDoubt()) {
      state.rejoining(false);
      partitions.values().forEach(PartitionWorker::kick);
    }
    firstAssignment.countDown();
  }

  /** The loop ended: a final commit (unless aborted or failed), then workers and client close. */
  private void shutdown() {
    try {
      rebalancer.release(List.copyOf(partitions.keySet()));
      if (commitsAfterHandling && failure == null && !state.aborted()) {
        try {
          committer.commitSync(progress(partitions.values()));
        } catch (WakeupException e) {
          // close()'s wakeup found the loop outside poll() and fired here: the commit is owed.
          committer.commitSync(progress(partitions.values()));
        }
      }
    } catch (RuntimeException e) {
      log.warn("Final commit of group {} failed: {}", settings.group(), e.toString());
    } finally {
      workers.shutdown();
      partitions.values().forEach(PartitionWorker::close);
      // consumer.close() calls onPartitionsRevoked: nothing is left to wait for or commit.
      partitions.clear();
      try {
        consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
      } catch (RuntimeException e) {
        log.warn(
            "Closing the Kafka consumer of group {} failed: {}", settings.group(), e.toString());
      }
    }
  }

  private static List<PartitionProgress> progress(Collection<PartitionWorker> workers) {
    return workers.stream().map(PartitionWorker::progress).toList();
  }
}
