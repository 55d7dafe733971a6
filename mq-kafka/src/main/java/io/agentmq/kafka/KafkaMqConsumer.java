package io.agentmq.kafka;

import io.agentmq.api.Consumer;
import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.Headers;
import io.agentmq.api.Health;
import io.agentmq.api.Message;
import io.agentmq.api.StartPosition;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.DeliveryEngine;
import io.agentmq.spi.Outcome;
import io.agentmq.spi.Settlement;
import io.agentmq.spi.StagedProducer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription on Kafka: one poll thread owns the {@link KafkaConsumer}; records go to a queue
 * per partition, drained in order by a pool of {@code concurrency} worker threads (one partition at
 * a time per thread, so order per key holds and partitions run in parallel).
 *
 * <p>Offsets are committed by the poll thread, only up to the last message that was acknowledged or
 * dead-lettered: partitions are handled in order, so everything before it is done too. A retry
 * pauses its partition and, after the backoff, seeks back to the failed record and resumes; the
 * poll loop keeps running meanwhile, so the group session never expires. On revoke, the running
 * handler of each revoked partition is awaited, what is done is committed and the rest is dropped.
 * At-most-once commits the fetched offsets before handing records to the handler.
 *
 * <p>Exactly-once reads {@code read_committed} and gives each partition a transactional producer
 * ({@code transactional.id} = group, topic and partition, so a partition's next owner fences the
 * previous one). A worker handles a batch of a partition's records inside one transaction: what
 * each acknowledged handler sent, the dead letters, and the consumed offsets ({@code
 * sendOffsetsToTransaction}) commit together. A failed handler's sends are discarded; the
 * transaction commits what came before it, and the failed record is retried after its backoff. A
 * fenced or otherwise fatal producer is closed and recreated, and the partition re-read from its
 * last committed offset.
 */
final class KafkaMqConsumer implements Consumer {
  private static final Logger log = LoggerFactory.getLogger(KafkaMqConsumer.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  private final ConsumerSettings settings;
  private final KafkaMessageQueue queue;
  private final KafkaConfig config;
  private final java.util.function.Consumer<KafkaMqConsumer> onClose;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread pollThread;
  private final ExecutorService workers;
  private final Map<TopicPartition, PartitionWork> partitions = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Runnable> pollActions = new ConcurrentLinkedQueue<>();
  private final CountDownLatch firstAssignment = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final boolean atMostOnce;
  private final boolean exactlyOnce;
  private volatile boolean killed;
  private volatile ConsumerGroupMetadata groupMetadata;
  private volatile boolean running = true;
  private volatile boolean paused;
  private volatile long lastPollNanos = System.nanoTime();
  private volatile Throwable failure;
  private volatile long lag = -1;
  private boolean commitFailing;

  /**
   * An asynchronous commit awaits its answer (poll thread): the next waits for it, so commits never
   * pile up faster than the coordinator answers them (they would expire unsent).
   */
  private boolean commitInFlight;

  /** Name prefix of this consumer's threads: close() from one of them must not wait for itself. */
  private final String threadPrefix;

  KafkaMqConsumer(
      ConsumerSettings settings,
      KafkaMessageQueue queue,
      java.util.function.Consumer<KafkaMqConsumer> onClose) {
    this.settings = settings;
    this.queue = queue;
    this.config = queue.kafkaConfig();
    this.onClose = onClose;
    this.atMostOnce = settings.deliveryMode() == DeliveryMode.AT_MOST_ONCE;
    this.exactlyOnce = settings.deliveryMode() == DeliveryMode.EXACTLY_ONCE;
    this.consumer =
        new KafkaConsumer<>(
            config.consumerProperties(
                settings.group(), settings.startFrom() == StartPosition.EARLIEST));
    String name = "agentmq-kafka-" + settings.group() + "-" + IDS.incrementAndGet();
    this.threadPrefix = name + "-";
    AtomicInteger workerIds = new AtomicInteger();
    this.workers =
        Executors.newFixedThreadPool(
            settings.concurrency(),
            r -> daemon(r, name + "-worker-" + workerIds.incrementAndGet()));
    this.pollThread = daemon(this::pollLoop, name + "-poll");
    pollThread.start();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Waits until the group gave this consumer its first assignment (possibly empty). */
  void awaitAssignment() {
    try {
      if (!firstAssignment.await(config.requestTimeout.toMillis() * 2, TimeUnit.MILLISECONDS)) {
        log.warn(
            "Consumer of {} (group {}) has no partition assignment yet; it will start when the"
                + " group assigns one",
            settings.topics(),
            settings.group());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public List<String> topics() {
    return settings.topics();
  }

  @Override
  public String group() {
    return settings.group();
  }

  @Override
  public void pause() {
    paused = true;
    pollActions.add(() -> consumer.pause(consumer.assignment()));
  }

  @Override
  public void resume() {
    paused = false;
    pollActions.add(this::resumeReady);
    // Records fetched before the pause took effect wait in the queues: hand them out again.
    partitions.values().forEach(PartitionWork::kick);
  }

  @Override
  public boolean isPaused() {
    return paused;
  }

  // ---- poll thread ------------------------------------------------------------------------

  private void pollLoop() {
    try {
      consumer.subscribe(settings.topics(), new Rebalance());
      long nextLagUpdate = 0;
      while (running) {
        runPollActions();
        // Before polling: records a poll returns are then all from after any seek, never stale
        // ones fetched before it.
        applySeeks();
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = consumer.poll(pollTimeout());
        } catch (WakeupException e) {
          continue;
        }
        lastPollNanos = System.nanoTime();
        if (exactlyOnce) {
          groupMetadata = consumer.groupMetadata();
        }
        if (!records.isEmpty()) {
          if (atMostOnce && !commitBeforeHandling(records)) {
            continue;
          }
          for (TopicPartition tp : records.partitions()) {
            PartitionWork work = partitions.get(tp);
            if (work != null) {
              work.enqueue(records.records(tp));
            }
          }
        }
        applyBackPressure();
        if (!atMostOnce && !exactlyOnce) {
          commit(partitions.values(), false);
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

  private void runPollActions() {
    Runnable action;
    while ((action = pollActions.poll()) != null) {
      action.run();
    }
  }

  /**
   * At-most-once: commits the fetched records before any is handled. If the commit fails, none is
   * handed out; the partitions go back to their committed offsets and are fetched again.
   */
  private boolean commitBeforeHandling(ConsumerRecords<byte[], byte[]> records) {
    try {
      consumer.commitSync(nextOffsets(records));
      return true;
    } catch (RuntimeException e) {
      log.warn(
          "At-most-once commit of group {} failed; fetching again from the committed offsets: {}",
          settings.group(),
          e.toString());
      for (TopicPartition tp : records.partitions()) {
        PartitionWork work = partitions.get(tp);
        if (work != null) {
          work.requestSeekToCommitted();
        }
      }
      return false;
    }
  }

  private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(
      ConsumerRecords<byte[], byte[]> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : records.partitions()) {
      List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
      offsets.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
    }
    return offsets;
  }

  /** Commits what each partition has finished; synchronously on revoke and close. */
  private void commit(Collection<PartitionWork> works, boolean sync) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (PartitionWork work : works) {
      long done = work.done;
      if (done > work.committed) {
        offsets.put(work.tp, new OffsetAndMetadata(done));
      }
    }
    if (offsets.isEmpty() || (!sync && commitInFlight)) {
      return;
    }
    if (sync) {
      consumer.commitSync(offsets);
      markCommitted(offsets);
    } else {
      commitInFlight = true;
      consumer.commitAsync(
          offsets,
          (committed, error) -> {
            commitInFlight = false;
            if (error == null) {
              markCommitted(committed);
              commitFailing = false;
            } else if (!commitFailing) {
              // Logged once per outage: a broker restart would otherwise log every poll.
              commitFailing = true;
              log.warn(
                  "Committing offsets of group {} failed; retrying with each poll: {}",
                  settings.group(),
                  error.toString());
            }
          });
    }
  }

  private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach(
        (tp, offset) -> {
          PartitionWork work = partitions.get(tp);
          if (work != null && offset.offset() > work.committed) {
            work.committed = offset.offset();
          }
        });
  }

  /** Pauses partitions whose queue is full; resumes them once it has drained to half. */
  private void applyBackPressure() {
    for (PartitionWork work : partitions.values()) {
      int queued = work.queued();
      if (!work.heldBack && queued >= config.maxQueuedPerPartition) {
        work.heldBack = true;
        consumer.pause(List.of(work.tp));
      } else if (work.heldBack && queued <= config.maxQueuedPerPartition / 2) {
        work.heldBack = false;
        resumeIfReady(work);
      }
    }
  }

  private void resumeReady() {
    partitions.values().forEach(this::resumeIfReady);
  }

  private void resumeIfReady(PartitionWork work) {
    if (!paused && !work.heldBack && !work.retrying && !work.revoked) {
      consumer.resume(List.of(work.tp));
    }
  }

  /** The poll timeout, shortened when a retry is due sooner. */
  private Duration pollTimeout() {
    long now = System.nanoTime();
    long wait = config.pollTimeout.toNanos();
    for (PartitionWork work : partitions.values()) {
      long due = work.seekDueNanos();
      if (due != Long.MAX_VALUE) {
        wait = Math.max(0, Math.min(wait, due - now));
      }
      if (work.heldBack) {
        // Its workers drain the queue in about a millisecond: look again soon to resume it, rather
        // than leave the partition idle for a whole poll timeout.
        wait = Math.min(wait, HELD_BACK_POLL_NANOS);
      }
    }
    return Duration.ofNanos(Math.max(wait, TimeUnit.MILLISECONDS.toNanos(1)));
  }

  private void applySeeks() {
    for (PartitionWork work : partitions.values()) {
      work.applySeek();
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

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
      List<PartitionWork> works = release(revoked);
      try {
        if (!atMostOnce && !exactlyOnce) {
          commit(works, true);
        }
      } catch (RuntimeException e) {
        log.warn("Committing offsets of revoked partitions {} failed: {}", revoked, e.toString());
      }
      works.forEach(PartitionWork::closeTransactionalProducer);
      revoked.forEach(partitions::remove);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
      release(lost).forEach(PartitionWork::closeTransactionalProducer);
      lost.forEach(partitions::remove);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
      Map<TopicPartition, Long> positions = new HashMap<>();
      for (TopicPartition tp : assigned) {
        long position;
        try {
          // Resolved now, so a LATEST group starts exactly where it subscribed.
          position = consumer.position(tp);
        } catch (RuntimeException e) {
          log.warn("Could not resolve the position of {} yet: {}", tp, e.toString());
          position = -1; // taken from the first record fetched
        }
        positions.put(tp, position);
        partitions.put(tp, new PartitionWork(tp, position));
      }
      if (settings.startFrom() == StartPosition.LATEST) {
        pinStart(positions);
      }
      if (paused) {
        consumer.pause(assigned);
      }
      if (exactlyOnce) {
        groupMetadata = consumer.groupMetadata();
      }
      firstAssignment.countDown();
    }

    /**
     * Commits where a LATEST group starts on partitions it has no position for yet. Otherwise a
     * consumer closed before handling anything on a partition would leave no commit there, and the
     * next one would start at the then-newest message, skipping what was sent in between.
     */
    private void pinStart(Map<TopicPartition, Long> positions) {
      try {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(positions.keySet());
        Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
        positions.forEach(
            (tp, position) -> {
              if (position >= 0 && committed.get(tp) == null) {
                start.put(tp, new OffsetAndMetadata(position));
              }
            });
        if (!start.isEmpty()) {
          consumer.commitSync(start);
        }
      } catch (org.apache.kafka.common.errors.WakeupException
          | org.apache.kafka.common.errors.InterruptException e) {
        throw e; // close() asked the poll loop to stop
      } catch (RuntimeException e) {
        log.warn("Could not record where group {} starts: {}", settings.group(), e.toString());
      }
    }
  }

  /** Stops the given partitions' work and waits for their running handlers. */
  private List<PartitionWork> release(Collection<TopicPartition> tps) {
    List<PartitionWork> works = new java.util.ArrayList<>();
    for (TopicPartition tp : tps) {
      PartitionWork work = partitions.get(tp);
      if (work != null) {
        work.revoke();
        works.add(work);
      }
    }
    long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
    for (PartitionWork work : works) {
      if (!work.awaitIdle(deadline)) {
        log.warn(
            "A handler of {} (group {}) still runs after consumer.close_timeout_ms = {}; its"
                + " message stays unacknowledged and goes to the partition's next owner",
            work.tp,
            settings.group(),
            settings.closeTimeout().toMillis());
      }
    }
    return works;
  }

  private void shutdown() {
    try {
      release(List.copyOf(partitions.keySet()));
      if (!atMostOnce && !exactlyOnce && failure == null && !killed) {
        try {
          commit(partitions.values(), true);
        } catch (WakeupException e) {
          // close()'s wakeup found the loop outside poll() and fired here: the commit is owed.
          commit(partitions.values(), true);
        }
      }
    } catch (RuntimeException e) {
      log.warn("Final commit of group {} failed: {}", settings.group(), e.toString());
    } finally {
      workers.shutdown();
      partitions.values().forEach(PartitionWork::closeTransactionalProducer);
      // consumer.close() calls onPartitionsRevoked: nothing is left to wait for or commit.
      partitions.clear();
      try {
        consumer.close(
            org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
      } catch (RuntimeException e) {
        log.warn(
            "Closing the Kafka consumer of group {} failed: {}", settings.group(), e.toString());
      }
    }
  }

  // ---- lifecycle and health ---------------------------------------------------------------

  @Override
  public Health health() {
    long now = System.nanoTime();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("group", settings.group());
    details.put("topics", settings.topics());
    details.put("paused", paused);
    details.put("lastPollAgeMs", TimeUnit.NANOSECONDS.toMillis(now - lastPollNanos));
    details.put(
        "assignedPartitions",
        partitions.keySet().stream().map(TopicPartition::toString).sorted().toList());
    details.put("inFlight", partitions.values().stream().filter(w -> w.busySince != 0).count());
    details.put("lag", lag);
    String problem = null;
    if (closed.get()) {
      problem = "closed";
    } else if (failure != null) {
      problem = "poll loop failed: " + failure;
    } else if (!pollThread.isAlive()) {
      problem = "poll thread ended";
    } else if (now - lastPollNanos > config.maxPollInterval.toNanos()) {
      problem = "no poll for more than kafka.max_poll_interval_ms";
    } else {
      for (PartitionWork work : partitions.values()) {
        long busySince = work.busySince;
        if (busySince != 0 && now - busySince > settings.stallTimeout().toNanos()) {
          problem =
              "the handler of "
                  + work.tp
                  + " has run longer than consumer.stall_timeout_ms = "
                  + settings.stallTimeout().toMillis();
        }
      }
    }
    if (problem != null) {
      details.put("reason", problem);
      return Health.down(details);
    }
    return Health.up(details);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    running = false;
    consumer.wakeup();
    if (Thread.currentThread() != pollThread
        && !Thread.currentThread().getName().startsWith(threadPrefix)) {
      try {
        pollThread.join(settings.closeTimeout().toMillis() + 10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    onClose.accept(this);
  }

  /**
   * Stops as a crash would: nothing more is committed (an open transaction is left to be fenced by
   * the partition's next owner), the group is left without a final commit. For tests.
   */
  void kill() {
    killed = true;
    close();
  }

  // ---- one partition ----------------------------------------------------------------------

  /** The records of one assigned partition and its progress; settles its deliveries. */
  /** A delivery the pipelined drain handed to the handler. */
  private static final class Started {
    final long offset;
    final long nanos;
    boolean acknowledged;

    Started(long offset, long nanos) {
      this.offset = offset;
      this.nanos = nanos;
    }
  }

  /** Poll timeout while a partition is paused for back-pressure. */
  private static final long HELD_BACK_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final class PartitionWork implements Settlement {
    private static final int TRANSACTION_BATCH = 500;

    final TopicPartition tp;
    private final DeliveryEngine engine;
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> records = new ArrayDeque<>();
    private boolean scheduled;

    /** Next offset to commit: everything before it is acknowledged or dead-lettered. */
    volatile long done;

    /** Last committed offset (poll thread). */
    long committed;

    /** Paused because too much is queued (poll thread). */
    boolean heldBack;

    /** Records are being re-read from {@link #seekTo}: drop what was fetched before. */
    volatile boolean retrying;

    volatile boolean revoked;
    volatile long busySince;
    private long seekTo = -1;
    private long seekNotBefore;
    private boolean pausedForSeek;
    private boolean seekToCommitted;
    private long retryOffset = -1;
    private int retryAttempt = 1;

    /**
     * Async handler allowed more than one unfinished delivery: how many ({@code 1} otherwise). Then
     * {@link #started} holds the deliveries not yet acknowledged, in offset order, and {@link
     * #done} moves only over its acknowledged head.
     */
    private final int window;

    private final ArrayDeque<Started> started = new ArrayDeque<>();

    /** Deliveries handed to the handler whose outcome is not known yet (pipelined drain). */
    private int unsettled;

    /** Exactly-once: the partition's transactional producer (worker-owned, created lazily). */
    private volatile KafkaProducer<byte[], byte[]> transactional;

    /** Exactly-once: a write into the open transaction failed; abort it. */
    private RuntimeException transactionBroken;

    PartitionWork(TopicPartition tp, long position) {
      this.tp = tp;
      this.done = position;
      this.committed = position;
      this.engine = new DeliveryEngine(settings, this);
      this.window =
          settings.asyncHandler() != null && !atMostOnce && !exactlyOnce
              ? settings.maxInFlight()
              : 1;
    }

    synchronized int queued() {
      return records.size();
    }

    /** Poll thread: adds fetched records and makes sure a worker drains them. */
    synchronized void enqueue(List<ConsumerRecord<byte[], byte[]>> fetched) {
      if (revoked || retrying) {
        return; // fetched before the pause took effect; they are read again after the seek
      }
      if (done < 0) {
        done = fetched.get(0).offset(); // the position could not be resolved at assignment
        committed = done;
      }
      records.addAll(fetched);
      if (!scheduled) {
        scheduled = true;
        workers.execute(this::drain);
      }
    }

    /** Starts a drain if records wait and none runs (nothing once the consumer has shut down). */
    synchronized void kick() {
      if (!scheduled && !records.isEmpty()) {
        scheduled = true;
        try {
          workers.execute(this::drain);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          scheduled = false;
          notifyAll();
        }
      }
    }

    synchronized void revoke() {
      revoked = true;
      records.clear();
    }

    /** Waits until no worker handles this partition; false if one still does at the deadline. */
    boolean awaitIdle(long deadlineNanos) {
      synchronized (this) {
        while ((scheduled || busySince != 0 || unsettled > 0)
            && deadlineNanos - System.nanoTime() > 0) {
          try {
            TimeUnit.NANOSECONDS.timedWait(
                this, Math.min(deadlineNanos - System.nanoTime(), 50_000_000L));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        return !scheduled && busySince == 0 && unsettled == 0;
      }
    }

    /**
     * Re-reads the partition from {@code offset} once {@code delay} has passed and no worker is
     * busy with it; an earlier pending target wins.
     */
    synchronized void requestSeek(long offset, long delayNanos) {
      retrying = true;
      records.clear();
      seekTo = seekTo < 0 ? offset : Math.min(seekTo, offset);
      seekNotBefore = Math.max(seekNotBefore, System.nanoTime() + delayNanos);
    }

    /** Re-reads from the offset the broker has committed for the group (poll thread finds it). */
    synchronized void requestSeekToCommitted() {
      requestSeek(done < 0 ? 0 : done, 0);
      seekToCommitted = true;
    }

    synchronized long seekDueNanos() {
      return seekTo < 0 ? Long.MAX_VALUE : seekNotBefore;
    }

    /**
     * Poll thread: pauses a partition that waits for a seek (so nothing is fetched for it
     * meanwhile), then performs the seek when it is due and resumes.
     */
    void applySeek() {
      synchronized (this) {
        if (seekTo < 0 || revoked) {
          return;
        }
        if (!pausedForSeek) {
          consumer.pause(List.of(tp));
          pausedForSeek = true;
        }
        if (scheduled || unsettled > 0 || seekNotBefore - System.nanoTime() > 0) {
          return;
        }
        started.clear(); // all settled; the unacknowledged ones are read again from seekTo
        if (seekToCommitted) {
          OffsetAndMetadata broker = consumer.committed(java.util.Set.of(tp)).get(tp);
          if (broker != null) {
            seekTo = broker.offset();
            done = seekTo;
            committed = seekTo;
          }
          seekToCommitted = false;
        }
        consumer.seek(tp, seekTo);
        pausedForSeek = false;
        seekTo = -1;
        seekNotBefore = 0;
        retrying = false;
      }
      resumeIfReady(this);
    }

    /** Worker: handles queued records in order until the queue is empty or a retry waits. */
    private void drain() {
      if (exactlyOnce) {
        drainTransactional();
        return;
      }
      if (window > 1) {
        drainPipelined();
        return;
      }
      while (true) {
        ConsumerRecord<byte[], byte[]> record = next();
        if (record == null) {
          return;
        }
        busySince = System.nanoTime();
        CompletableFuture<Outcome> outcome = engine.process(delivery(record));
        if (!outcome.isDone()) {
          outcome.whenComplete((o, e) -> resumeDrain());
          return; // keeps `scheduled`: the completion continues this partition
        }
        busySince = 0;
      }
    }

    /**
     * Worker: hands queued records to the async handler in order without waiting for their
     * outcomes, up to {@link #window} unsettled; a settling delivery continues the drain.
     */
    private void drainPipelined() {
      while (true) {
        ConsumerRecord<byte[], byte[]> record;
        Started entry;
        synchronized (this) {
          record =
              unsettled < window && running && !revoked && !retrying && !paused
                  ? records.poll()
                  : null;
          if (record == null) {
            scheduled = false;
            notifyAll();
            return;
          }
          entry = new Started(record.offset(), System.nanoTime());
          started.add(entry);
          unsettled++;
          if (busySince == 0) {
            busySince = entry.nanos;
          }
        }
        CompletableFuture<Outcome> outcome = engine.process(delivery(record));
        if (outcome.isDone()) {
          settled(entry, outcome.isCompletedExceptionally());
        } else {
          outcome.whenComplete((o, e) -> settled(entry, e != null));
        }
      }
    }

    /** A pipelined delivery's outcome is known: frees its slot and continues the drain. */
    private void settled(Started entry, boolean broken) {
      if (broken) {
        // The engine itself failed (not the handler): neither acknowledged nor retried. Read the
        // partition again from this delivery rather than leave the position stuck before it.
        log.error("Delivery of {} offset {} ended without an outcome", tp, entry.offset);
        requestSeek(entry.offset, 0);
      }
      synchronized (this) {
        unsettled--;
        Started oldest = started.peek();
        busySince = unsettled == 0 ? 0 : oldest != null ? oldest.nanos : System.nanoTime();
        notifyAll();
      }
      kick();
    }

    /** Pipelined drain: marks a delivery acknowledged and moves {@link #done} over the head. */
    private synchronized void acknowledgeStarted(long offset) {
      for (Started entry : started) {
        if (entry.offset == offset) {
          entry.acknowledged = true;
          break;
        }
      }
      Started head;
      while ((head = started.peek()) != null && head.acknowledged) {
        started.poll();
        done = head.offset + 1;
      }
    }

    /** The next record to handle, or null (and the drain ends) when there is none to handle. */
    private ConsumerRecord<byte[], byte[]> next() {
      synchronized (this) {
        ConsumerRecord<byte[], byte[]> record =
            running && !revoked && !retrying && !paused ? records.poll() : null;
        if (record == null) {
          scheduled = false;
          notifyAll();
        }
        return record;
      }
    }

    private Delivery delivery(ConsumerRecord<byte[], byte[]> record) {
      int attempt = record.offset() == retryOffset ? retryAttempt : 1;
      Message message = Records.fromRecord(record);
      if (attempt > 1) {
        message = message.withHeader(Headers.ATTEMPT, Integer.toString(attempt));
      }
      return new Delivery(
          message,
          record.topic(),
          record.partition(),
          record.offset(),
          settings.group(),
          attempt,
          exactlyOnce
              ? new StagedProducer(config.common.maxMessageBytes())
              : queue.contextProducer());
    }

    private void resumeDrain() {
      busySince = 0;
      try {
        workers.execute(this::drain);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        synchronized (this) {
          scheduled = false;
          notifyAll();
        }
      }
    }

    /** Worker, exactly-once: one transaction per batch of this partition's records. */
    private void drainTransactional() {
      try {
        drainTransactionalBatches();
      } catch (RuntimeException | Error e) {
        // Never leave the partition marked as being drained: it would never be sought or resumed.
        log.error("Exactly-once worker of {} (group {}) failed", tp, settings.group(), e);
        closeTransactionalProducer();
        requestSeekToCommitted();
        synchronized (this) {
          scheduled = false;
          notifyAll();
        }
        throw e;
      }
    }

    private void drainTransactionalBatches() {
      while (true) {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        synchronized (this) {
          while (batch.size() < TRANSACTION_BATCH && running && !revoked && !retrying && !paused) {
            ConsumerRecord<byte[], byte[]> record = records.poll();
            if (record == null) {
              break;
            }
            batch.add(record);
          }
          if (batch.isEmpty()) {
            scheduled = false;
            notifyAll();
            return;
          }
        }
        runTransaction(batch);
      }
    }

    private void runTransaction(List<ConsumerRecord<byte[], byte[]>> batch) {
      long upTo = -1;
      try {
        KafkaProducer<byte[], byte[]> producer = transactionalProducer();
        producer.beginTransaction();
        transactionBroken = null;
        for (ConsumerRecord<byte[], byte[]> record : batch) {
          if (!running || revoked || retrying || paused) {
            break; // closing, revoked or paused: commit what is done, leave the rest
          }
          busySince = System.nanoTime();
          Outcome outcome;
          try {
            outcome = engine.process(delivery(record)).join();
          } finally {
            busySince = 0;
          }
          if (transactionBroken != null) {
            throw transactionBroken;
          }
          if (outcome != Outcome.ACKNOWLEDGED && outcome != Outcome.DEAD_LETTERED) {
            break; // a retry: re-read from the failed record after its backoff
          }
          upTo = record.offset() + 1;
        }
        if (killed) {
          return; // as a crash: the open transaction is aborted when the next owner fences it
        }
        if (!running || revoked || paused) {
          // Records taken for this batch but not handled are read again from the committed offset.
          requestSeekToCommitted();
        }
        if (upTo < 0) {
          producer.abortTransaction();
          return;
        }
        producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(upTo)), groupMetadata);
        producer.commitTransaction();
        done = upTo;
      } catch (ProducerFencedException
          | InvalidProducerEpochException
          | OutOfOrderSequenceException
          | AuthorizationException fatal) {
        log.warn(
            "Transactional producer of {} (group {}) failed fatally; recreating it and re-reading"
                + " from offset {}: {}",
            tp,
            settings.group(),
            done,
            fatal.toString());
        closeTransactionalProducer();
        requestSeek(done, 0);
      } catch (RuntimeException e) {
        // Also a commit whose outcome is unknown (a timeout): re-read from what the broker has.
        log.warn(
            "Transaction of {} (group {}) failed; aborting and re-reading from the committed"
                + " offset: {}",
            tp,
            settings.group(),
            e.toString());
        try {
          KafkaProducer<byte[], byte[]> producer = transactional;
          if (producer != null) {
            producer.abortTransaction();
          }
        } catch (RuntimeException abortFailure) {
          closeTransactionalProducer();
        }
        requestSeekToCommitted();
      }
    }

    private KafkaProducer<byte[], byte[]> transactionalProducer() {
      KafkaProducer<byte[], byte[]> producer = transactional;
      if (producer == null) {
        String id = "agentmq-" + settings.group() + "-" + tp.topic() + "-" + tp.partition();
        producer = new KafkaProducer<>(config.transactionalProducerProperties(id));
        try {
          producer.initTransactions();
        } catch (RuntimeException e) {
          producer.close(Duration.ZERO);
          throw e;
        }
        transactional = producer;
      }
      return producer;
    }

    /** Sends into the open transaction; a failure there aborts the whole transaction. */
    private void sendInTransaction(String topic, Message message) {
      KafkaProducer<byte[], byte[]> producer = transactional;
      if (producer == null) {
        transactionBroken = new KafkaException("the transactional producer was closed");
        throw transactionBroken;
      }
      try {
        queue.topics().ensureTopic(topic);
        producer.send(
            Records.toRecord(topic, message),
            (metadata, error) -> {
              if (error != null && transactionBroken == null) {
                transactionBroken = new KafkaException("a transactional send failed", error);
              }
            });
      } catch (RuntimeException e) {
        transactionBroken = e;
        throw e;
      }
    }

    void closeTransactionalProducer() {
      KafkaProducer<byte[], byte[]> producer = transactional;
      transactional = null;
      if (producer != null) {
        try {
          producer.close(killed ? Duration.ZERO : Duration.ofSeconds(5));
        } catch (RuntimeException e) {
          log.debug("Closing a transactional producer failed", e);
        }
      }
    }

    @Override
    public void acknowledge(Delivery delivery) {
      if (delivery.offset() == retryOffset) {
        retryOffset = -1;
        retryAttempt = 1;
      }
      if (delivery.producer() instanceof StagedProducer staged) {
        staged.writeTo(this::sendInTransaction);
      } else if (window > 1) {
        acknowledgeStarted(delivery.offset());
      } else if (!atMostOnce) {
        done = delivery.offset() + 1;
      }
    }

    @Override
    public void redeliver(Delivery delivery, Duration delay) {
      if (delivery.producer() instanceof StagedProducer staged) {
        staged.discard();
      }
      synchronized (this) {
        // Pipelined, a later delivery may fail too: the earliest one is read again first and keeps
        // its count. A retry offset below `done` is stale (passed since): replace it.
        if (window == 1 || retryOffset < done || delivery.offset() <= retryOffset) {
          retryOffset = delivery.offset();
          retryAttempt = delivery.attempt() + 1;
        }
      }
      requestSeek(delivery.offset(), delay.toNanos());
    }

    @Override
    public CompletionStage<?> publishDeadLetter(
        String topic, Message deadLetter, Delivery original) {
      if (original.producer() instanceof StagedProducer staged) {
        staged.discard();
        try {
          sendInTransaction(topic, deadLetter);
          return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
          return CompletableFuture.failedFuture(e);
        }
      }
      return queue.publish(topic, deadLetter);
    }
  }
}
