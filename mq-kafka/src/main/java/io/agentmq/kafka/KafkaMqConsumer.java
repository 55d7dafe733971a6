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
import java.time.Duration;
import java.util.ArrayDeque;
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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
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
  private final ScheduledExecutorService timer;
  private final Map<TopicPartition, PartitionWork> partitions = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Runnable> pollActions = new ConcurrentLinkedQueue<>();
  private final CountDownLatch firstAssignment = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final boolean atMostOnce;
  private volatile boolean running = true;
  private volatile boolean paused;
  private volatile long lastPollNanos = System.nanoTime();
  private volatile Throwable failure;
  private volatile long lag = -1;

  KafkaMqConsumer(
      ConsumerSettings settings,
      KafkaMessageQueue queue,
      java.util.function.Consumer<KafkaMqConsumer> onClose) {
    this.settings = settings;
    this.queue = queue;
    this.config = queue.kafkaConfig();
    this.onClose = onClose;
    this.atMostOnce = settings.deliveryMode() == DeliveryMode.AT_MOST_ONCE;
    this.consumer =
        new KafkaConsumer<>(
            config.consumerProperties(
                settings.group(), settings.startFrom() == StartPosition.EARLIEST, false));
    String name = "agentmq-kafka-" + settings.group() + "-" + IDS.incrementAndGet();
    AtomicInteger workerIds = new AtomicInteger();
    this.workers =
        Executors.newFixedThreadPool(
            settings.concurrency(),
            r -> daemon(r, name + "-worker-" + workerIds.incrementAndGet()));
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-retry"));
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
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = consumer.poll(config.pollTimeout);
        } catch (WakeupException e) {
          continue;
        }
        lastPollNanos = System.nanoTime();
        if (!records.isEmpty()) {
          if (atMostOnce) {
            consumer.commitSync(nextOffsets(records));
          }
          for (TopicPartition tp : records.partitions()) {
            PartitionWork work = partitions.get(tp);
            if (work != null) {
              work.enqueue(records.records(tp));
            }
          }
        }
        applyBackPressure();
        if (!atMostOnce) {
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
    if (offsets.isEmpty()) {
      return;
    }
    if (sync) {
      consumer.commitSync(offsets);
      markCommitted(offsets);
    } else {
      consumer.commitAsync(
          offsets,
          (committed, error) -> {
            if (error == null) {
              markCommitted(committed);
            } else {
              log.warn(
                  "Committing offsets of group {} failed; will retry: {}",
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
        commit(works, true);
      } catch (RuntimeException e) {
        log.warn("Committing offsets of revoked partitions {} failed: {}", revoked, e.toString());
      }
      revoked.forEach(partitions::remove);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
      release(lost);
      lost.forEach(partitions::remove);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
      for (TopicPartition tp : assigned) {
        partitions.put(tp, new PartitionWork(tp, consumer.position(tp)));
      }
      if (paused) {
        consumer.pause(assigned);
      }
      firstAssignment.countDown();
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
      work.awaitIdle(deadline);
    }
    return works;
  }

  private void shutdown() {
    try {
      release(List.copyOf(partitions.keySet()));
      if (!atMostOnce && failure == null) {
        commit(partitions.values(), true);
      }
    } catch (RuntimeException e) {
      log.warn("Final commit of group {} failed: {}", settings.group(), e.toString());
    } finally {
      workers.shutdown();
      timer.shutdownNow();
      try {
        consumer.close(Duration.ofSeconds(5));
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
    if (Thread.currentThread() != pollThread) {
      try {
        pollThread.join(settings.closeTimeout().toMillis() + 10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    onClose.accept(this);
  }

  // ---- one partition ----------------------------------------------------------------------

  /** The records of one assigned partition and its progress; settles its deliveries. */
  private final class PartitionWork implements Settlement {
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

    volatile boolean retrying;
    volatile boolean revoked;
    volatile long busySince;
    private long retryOffset = -1;
    private int retryAttempt = 1;

    PartitionWork(TopicPartition tp, long position) {
      this.tp = tp;
      this.done = position;
      this.committed = position;
      this.engine = new DeliveryEngine(settings, this);
    }

    synchronized int queued() {
      return records.size();
    }

    /** Poll thread: adds fetched records and makes sure a worker drains them. */
    synchronized void enqueue(List<ConsumerRecord<byte[], byte[]>> fetched) {
      if (revoked || retrying) {
        return; // fetched before the pause took effect; they are read again after the seek
      }
      records.addAll(fetched);
      if (!scheduled) {
        scheduled = true;
        workers.execute(this::drain);
      }
    }

    synchronized void revoke() {
      revoked = true;
      records.clear();
    }

    void awaitIdle(long deadlineNanos) {
      synchronized (this) {
        while ((scheduled || busySince != 0) && deadlineNanos - System.nanoTime() > 0) {
          try {
            TimeUnit.NANOSECONDS.timedWait(
                this, Math.min(deadlineNanos - System.nanoTime(), 50_000_000L));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }

    /** Worker: handles queued records in order until the queue is empty or a retry waits. */
    private void drain() {
      while (true) {
        ConsumerRecord<byte[], byte[]> record;
        synchronized (this) {
          record = running && !revoked && !retrying ? records.poll() : null;
          if (record == null) {
            scheduled = false;
            notifyAll();
            return;
          }
        }
        int attempt = record.offset() == retryOffset ? retryAttempt : 1;
        Message message = Records.fromRecord(record);
        if (attempt > 1) {
          message = message.withHeader(Headers.ATTEMPT, Integer.toString(attempt));
        }
        Delivery delivery =
            new Delivery(
                message,
                record.topic(),
                record.partition(),
                record.offset(),
                settings.group(),
                attempt,
                queue.contextProducer());
        busySince = System.nanoTime();
        CompletableFuture<Outcome> outcome = engine.process(delivery);
        if (!outcome.isDone()) {
          outcome.whenComplete((o, e) -> resumeDrain());
          return; // keeps `scheduled`: the completion continues this partition
        }
        busySince = 0;
      }
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

    @Override
    public void acknowledge(Delivery delivery) {
      if (delivery.offset() == retryOffset) {
        retryOffset = -1;
        retryAttempt = 1;
      }
      if (!atMostOnce) {
        done = delivery.offset() + 1;
      }
    }

    @Override
    public void redeliver(Delivery delivery, Duration delay) {
      synchronized (this) {
        retrying = true;
        retryOffset = delivery.offset();
        retryAttempt = delivery.attempt() + 1;
        records.clear();
      }
      pollActions.add(() -> consumer.pause(List.of(tp)));
      timer.schedule(
          () ->
              pollActions.add(
                  () -> {
                    if (!revoked && partitions.get(tp) == this) {
                      consumer.seek(tp, delivery.offset());
                      retrying = false;
                      resumeIfReady(this);
                    }
                  }),
          delay.toNanos(),
          TimeUnit.NANOSECONDS);
    }

    @Override
    public CompletionStage<?> publishDeadLetter(
        String topic, Message deadLetter, Delivery original) {
      return queue.publish(topic, deadLetter);
    }
  }
}
