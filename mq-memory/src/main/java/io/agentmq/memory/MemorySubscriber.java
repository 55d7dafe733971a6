package io.agentmq.memory;

import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.Outcome;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscriber;
import io.agentmq.api.SubscriberStatus;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.Settlement;
import io.agentmq.spi.support.DeliveryEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A memory consumer: {@code concurrency} threads that take turns on the group's partitions.
 *
 * <p>A thread claims a partition of the group (see {@link GroupCursor}), handles up to {@link
 * #BATCH} messages in order, and releases it, so the consumers of a group share partitions without
 * a rebalance protocol and a key is never handled by two threads at once. A retry leaves the
 * partition where it is and marks when it may be retried; no thread sleeps meanwhile.
 */
final class MemorySubscriber implements Subscriber {
  private static final Logger log = LoggerFactory.getLogger(MemorySubscriber.class);
  private static final int BATCH = 256;
  private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /**
   * How long an idle thread keeps looking for work before it parks. Parking and unparking cost
   * microseconds on both sides; a busy stream refills well within this time.
   */
  private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
  private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final ConsumerSettings settings;
  private final MemoryBroker broker;
  private final MemoryConfig config;
  private final Producer contextProducer;
  private final Consumer<? super MemorySubscriber> onClose;
  private final GroupSignal signal;
  private final Lane[] lanes;
  private final Worker[] workers;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean running = true;
  private volatile boolean paused;

  MemorySubscriber(
      ConsumerSettings settings,
      MemoryBroker broker,
      MemoryConfig config,
      Producer contextProducer,
      Consumer<? super MemorySubscriber> onClose) {
    this.settings = settings;
    this.broker = broker;
    this.config = config;
    this.contextProducer = contextProducer;
    this.onClose = onClose;
    this.signal = broker.signal(settings.group());
    List<Lane> all = new ArrayList<>();
    for (String topic : settings.topics()) {
      for (GroupCursor cursor : broker.join(topic, settings.group(), settings.startFrom())) {
        all.add(new Lane(cursor));
      }
    }
    this.lanes = all.toArray(new Lane[0]);
    this.workers = new Worker[settings.concurrency()];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker(i);
    }
    for (Worker worker : workers) {
      signal.register(worker.thread);
      worker.thread.start();
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
  }

  @Override
  public void resume() {
    paused = false;
    for (Worker worker : workers) {
      LockSupport.unpark(worker.thread);
    }
  }

  @Override
  public boolean isPaused() {
    return paused;
  }

  @Override
  public SubscriberStatus status() {
    long now = System.nanoTime();
    long lastPoll = Long.MIN_VALUE;
    String problem = closed.get() ? "closed" : null;
    for (Worker worker : workers) {
      lastPoll = Math.max(lastPoll, worker.lastPollNanos);
      long busySince = worker.busySinceNanos;
      if (!worker.thread.isAlive() && running) {
        problem = "consumer thread " + worker.thread.getName() + " died";
      } else if (busySince != 0 && now - busySince > settings.stallTimeout().toNanos()) {
        problem =
            "a handler on "
                + worker.thread.getName()
                + " has run for "
                + TimeUnit.NANOSECONDS.toMillis(now - busySince)
                + " ms, more than consumer.stall_timeout_ms = "
                + settings.stallTimeout().toMillis();
      }
    }
    long lag = 0;
    for (Lane lane : lanes) {
      lag += lane.cursor.lag();
    }
    return new SubscriberStatus(
        settings.group(),
        settings.topics(),
        paused,
        Duration.ofNanos(now - lastPoll),
        inFlight.get(),
        OptionalLong.of(lag),
        Optional.ofNullable(problem),
        Map.of());
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    running = false;
    long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
    for (Worker worker : workers) {
      LockSupport.unpark(worker.thread);
    }
    try {
      for (Worker worker : workers) {
        long remaining = deadline - System.nanoTime();
        if (remaining > 0 && worker.thread != Thread.currentThread()) {
          TimeUnit.NANOSECONDS.timedJoin(worker.thread, remaining);
        }
      }
      while (inFlight.get() > 0
          && deadline - System.nanoTime() > 0
          && !isWorker(Thread.currentThread())) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (inFlight.get() > 0 || (anyWorkerAlive() && !isWorker(Thread.currentThread()))) {
      log.warn(
          "Consumer of {} (group {}) closed with handlers still running after"
              + " consumer.close_timeout_ms = {}; their messages stay unacknowledged and go to"
              + " the group's next consumer",
          settings.topics(),
          settings.group(),
          settings.closeTimeout().toMillis());
    }
    for (Worker worker : workers) {
      signal.unregister(worker.thread);
    }
    onClose.accept(this);
    // Let the group's other consumers take over this consumer's partitions at once.
    signal.wakeAll();
  }

  private boolean isWorker(Thread thread) {
    for (Worker worker : workers) {
      if (worker.thread == thread) {
        return true;
      }
    }
    return false;
  }

  private boolean anyWorkerAlive() {
    for (Worker worker : workers) {
      if (worker.thread.isAlive()) {
        return true;
      }
    }
    return false;
  }

  private boolean hasWork() {
    if (!running) {
      return true;
    }
    if (paused) {
      return false;
    }
    long now = System.nanoTime();
    for (Lane lane : lanes) {
      if (lane.cursor.hasWork(now)) {
        return true;
      }
    }
    return false;
  }

  /** One thread of this consumer. */
  private final class Worker implements Runnable {
    final Thread thread;
    volatile long lastPollNanos = System.nanoTime();
    volatile long busySinceNanos;
    long nextRetryNanos;
    boolean retryPending;
    private int start;

    Worker(int index) {
      thread = new Thread(this, "agentmq-memory-" + settings.group() + "-" + index);
      thread.setDaemon(true);
      start = index;
    }

    @Override
    public void run() {
      try {
        while (running) {
          lastPollNanos = System.nanoTime();
          retryPending = false;
          boolean progressed = false;
          if (!paused) {
            int n = lanes.length;
            for (int i = 0; i < n && running; i++) {
              Lane lane = lanes[(start + i) % n];
              GroupCursor cursor = lane.cursor;
              if (cursor.committed() >= cursor.log.tail() || !cursor.tryClaim()) {
                continue;
              }
              progressed |= lane.drain(this) > 0;
            }
            start++;
          }
          if (!progressed) {
            idle();
          }
        }
      } catch (Throwable t) {
        log.error("Consumer thread {} stopped by an unexpected error", thread.getName(), t);
        throw t;
      }
    }

    void retryAt(long when) {
      if (!retryPending || when - nextRetryNanos < 0) {
        nextRetryNanos = when;
      }
      retryPending = true;
    }

    private void idle() {
      long now = System.nanoTime();
      long spinUntil = now + SPIN_NANOS;
      do {
        if (hasWork()) {
          return;
        }
        // Look at the senders' tail only every POLL_NANOS: polling it continuously pulls its cache
        // line away from the sender on every message, and a short wait lets a batch build up
        // (measured with mq-bench: 1 µs gave ~5M msg/s, 10-20 µs ~8M msg/s).
        long nextPoll = now + POLL_NANOS;
        while ((now = System.nanoTime()) - nextPoll < 0) {
          Thread.onSpinWait();
        }
      } while (now - spinUntil < 0);
      long park = MAX_PARK_NANOS;
      if (retryPending) {
        park = Math.max(0, Math.min(park, nextRetryNanos - System.nanoTime()));
      }
      if (park > 0) {
        signal.await(park, MemorySubscriber.this::hasWork);
      }
    }
  }

  /** This consumer's view of one of its group's partition cursors; settles its deliveries. */
  private final class Lane implements Settlement<Void> {
    final GroupCursor cursor;
    private final DeliveryEngine<Void> engine;

    Lane(GroupCursor cursor) {
      this.cursor = cursor;
      this.engine = new DeliveryEngine<>(settings, this);
    }

    /**
     * Handles messages of the claimed partition in order, then releases the claim unless an
     * asynchronous handler still runs (its completion releases it).
     *
     * @return how many deliveries were handled
     */
    int drain(Worker worker) {
      PartitionLog partition = cursor.log;
      int handled = 0;
      boolean keepClaim = false;
      skipEvicted();
      // Read the sender's tail once per batch, not per message: it is on a line the sender writes.
      long limit = partition.tail();
      // One clock read per batch stands for the start of each of its deliveries in health checks;
      // a batch ends after BATCH_NANOS so the figure is never far behind.
      long batchStart = System.nanoTime();
      worker.busySinceNanos = batchStart;
      try {
        while (handled < BATCH && running && !paused) {
          long offset = cursor.committed();
          if (offset >= limit && offset >= (limit = partition.tail())) {
            break;
          }
          long retryAt = cursor.retryAtNanos;
          if (retryAt != 0) {
            if (retryAt - System.nanoTime() > 0) {
              worker.retryAt(retryAt);
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
            worker.busySinceNanos = now;
          }
          if (!outcome.isDone()) {
            keepClaim = true;
            inFlight.incrementAndGet();
            outcome.whenComplete(
                (o, e) -> {
                  inFlight.decrementAndGet();
                  cursor.release();
                  signal.wakeAll();
                });
            break;
          }
          if (cursor.retryAtNanos != 0) {
            worker.retryAt(cursor.retryAtNanos);
            break;
          }
        }
      } finally {
        worker.busySinceNanos = 0;
        if (!keepClaim) {
          cursor.release();
          if (cursor.committed() < partition.tail()) {
            // Paused or closing with work left: another consumer of the group may take it.
            signal.wake();
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

    @Override
    public void redeliver(Delivery delivery, Void handle, Duration delay) {
      cursor.attempt = delivery.attempt() + 1;
      long at = System.nanoTime() + Math.max(1, delay.toNanos());
      cursor.retryAtNanos = at == 0 ? 1 : at;
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
}
