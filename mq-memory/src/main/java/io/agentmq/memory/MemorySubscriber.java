package io.agentmq.memory;

import io.agentmq.api.Producer;
import io.agentmq.api.StartPosition;
import io.agentmq.api.Subscriber;
import io.agentmq.api.SubscriberStatus;
import io.agentmq.spi.ConsumerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
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
 * <p>A {@link PollingThread} claims a partition of the group (see {@link GroupCursor}), has its
 * {@link PartitionWorker} handle a batch of messages in order, and releases it, so the consumers of
 * a group share partitions without a rebalance protocol and a key is never handled by two threads
 * at once. A retry leaves the partition where it is and marks when it may be retried; no thread
 * sleeps meanwhile.
 *
 * <p>This class is the facade: it builds the threads and partition workers, and answers pause,
 * resume, status and close.
 */
final class MemorySubscriber implements Subscriber {
  private static final Logger log = LoggerFactory.getLogger(MemorySubscriber.class);

  /**
   * Status detail: how much of the lag waits behind in-place retries not yet due on the queue's
   * {@link RetryClock} (the retrying messages and those after them in their partitions). Lag beyond
   * it is being handled or can be at once; a test kit reads it to tell work left from waiting.
   */
  static final String LAG_WAITING_FOR_RETRY = "lagWaitingForRetry";

  private final ConsumerSettings settings;
  private final RetryClock retryClock;
  private final Consumer<? super MemorySubscriber> onClose;
  private final GroupSignal signal;
  private final RunState state = new RunState();
  private final PartitionWorker[] partitions;
  private final PollingThread[] threads;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Asynchronous handlers still running, which close() waits for. */
  private final AtomicInteger inFlight = new AtomicInteger();

  MemorySubscriber(
      ConsumerSettings settings,
      MemoryBroker broker,
      Producer contextProducer,
      Consumer<? super MemorySubscriber> onClose) {
    this.settings = settings;
    this.onClose = onClose;
    this.retryClock = broker.retryClock();
    this.signal = broker.signal(settings.group());
    List<PartitionWorker> all = new ArrayList<>();
    for (String topic : settings.topicsWithRetries()) {
      // A retry topic holds only what this group parked: all of it is the group's.
      StartPosition from =
          settings.topics().contains(topic) ? settings.startFrom() : StartPosition.EARLIEST;
      for (GroupCursor cursor : broker.join(topic, settings.group(), from)) {
        all.add(new PartitionWorker(cursor, settings, broker, contextProducer, state, inFlight));
      }
    }
    this.partitions = all.toArray(new PartitionWorker[0]);
    this.threads = new PollingThread[settings.concurrency()];
    for (int i = 0; i < threads.length; i++) {
      String name = "agentmq-memory-" + settings.group() + "-" + i;
      threads[i] = new PollingThread(name, i, state, partitions, signal, retryClock);
    }
    for (PollingThread thread : threads) {
      signal.register(thread);
      thread.start();
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
    state.pause();
  }

  @Override
  public void resume() {
    state.resume();
    for (PollingThread thread : threads) {
      LockSupport.unpark(thread);
    }
  }

  @Override
  public boolean isPaused() {
    return state.paused();
  }

  @Override
  public SubscriberStatus status() {
    long now = System.nanoTime();
    long lastPoll = Long.MIN_VALUE;
    String problem = closed.get() ? "closed" : null;
    for (PollingThread thread : threads) {
      lastPoll = Math.max(lastPoll, thread.lastPollNanos);
      long busySince = thread.busySinceNanos;
      if (!thread.isAlive() && state.running()) {
        problem = "consumer thread " + thread.getName() + " died";
      } else if (busySince != 0 && now - busySince > settings.stallTimeout().toNanos()) {
        problem =
            "a handler on "
                + thread.getName()
                + " has run for "
                + TimeUnit.NANOSECONDS.toMillis(now - busySince)
                + " ms, more than consumer.stall_timeout_ms = "
                + settings.stallTimeout().toMillis();
      }
    }
    long waiting = 0;
    long waitingForRetry = 0;
    long retryNow = retryClock.nanos();
    for (PartitionWorker partition : partitions) {
      long partitionLag = partition.cursor.lag();
      long retryAt = partition.cursor.retryAtNanos;
      waiting += partitionLag;
      if (retryAt != 0 && retryAt - retryNow > 0) {
        waitingForRetry += partitionLag;
      }
    }
    OptionalLong lag = OptionalLong.of(waiting);
    return new SubscriberStatus(
        settings.group(),
        settings.topics(),
        state.paused(),
        Duration.ofNanos(now - lastPoll),
        inFlight.get(),
        lag,
        settings.observation().timeLags(),
        Optional.ofNullable(problem).or(() -> settings.observation().stall(state.paused(), lag)),
        Map.of(LAG_WAITING_FOR_RETRY, waitingForRetry));
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    state.stop();
    long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
    for (PollingThread thread : threads) {
      LockSupport.unpark(thread);
    }
    try {
      for (PollingThread thread : threads) {
        long remaining = deadline - System.nanoTime();
        if (remaining > 0 && thread != Thread.currentThread()) {
          TimeUnit.NANOSECONDS.timedJoin(thread, remaining);
        }
      }
      while (inFlight.get() > 0
          && deadline - System.nanoTime() > 0
          && !isOwnThread(Thread.currentThread())) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (inFlight.get() > 0 || (anyThreadAlive() && !isOwnThread(Thread.currentThread()))) {
      log.warn(
          "Consumer of {} (group {}) closed with handlers still running after"
              + " consumer.close_timeout_ms = {}; their messages stay unacknowledged and go to"
              + " the group's next consumer",
          settings.topics(),
          settings.group(),
          settings.closeTimeout().toMillis());
    }
    for (PollingThread thread : threads) {
      signal.unregister(thread);
    }
    onClose.accept(this);
    // Let the group's other consumers take over this consumer's partitions at once.
    signal.wakeAll();
  }

  private boolean isOwnThread(Thread thread) {
    for (PollingThread own : threads) {
      if (own == thread) {
        return true;
      }
    }
    return false;
  }

  private boolean anyThreadAlive() {
    for (PollingThread thread : threads) {
      if (thread.isAlive()) {
        return true;
      }
    }
    return false;
  }
}
