package io.agentmq.memory;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread of a {@link MemorySubscriber}: it goes round the subscriber's partitions, drains each
 * one it can claim through its {@link PartitionWorker}, and spins, then parks, when there is
 * nothing to do. Having claimed a partition while another has work too, it wakes one more thread of
 * the group.
 */
final class PollingThread extends Thread {
  private static final Logger log = LoggerFactory.getLogger(PollingThread.class);

  /**
   * How long an idle thread keeps looking for work before it parks. Parking and unparking cost
   * microseconds on both sides; a busy stream refills well within this time.
   */
  private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
  private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final RunState state;
  private final PartitionWorker[] partitions;
  private final GroupSignal signal;
  private final RetryClock retryClock;

  /** {@link #hasWork()} for {@link GroupSignal#await}, made once rather than on every park. */
  private final BooleanSupplier workCheck = this::hasWork;

  volatile long lastPollNanos = System.nanoTime();

  /** When the running delivery started, to a batch's precision (see {@link PartitionWorker}). */
  volatile long busySinceNanos;

  /** On the {@link RetryClock}. */
  private long nextRetryNanos;

  private boolean retryPending;

  /** Where the next round starts, moved on each round so no partition is always served last. */
  private int first;

  PollingThread(
      String name,
      int index,
      RunState state,
      PartitionWorker[] partitions,
      GroupSignal signal,
      RetryClock retryClock) {
    super(name);
    setDaemon(true);
    this.state = state;
    this.partitions = partitions;
    this.signal = signal;
    this.retryClock = retryClock;
    this.first = index;
  }

  @Override
  public void run() {
    try {
      while (state.running()) {
        lastPollNanos = System.nanoTime();
        retryPending = false;
        boolean progressed = false;
        if (!state.paused()) {
          int n = partitions.length;
          for (int i = 0; i < n && state.running(); i++) {
            PartitionWorker partition = partitions[(first + i) % n];
            GroupCursor cursor = partition.cursor;
            if (cursor.committed() >= cursor.log.tail() || !cursor.tryClaim()) {
              continue;
            }
            if (signal.anyParked() && hasWork()) {
              // More than this thread can take now: pass it on (see GroupSignal).
              signal.wake();
            }
            progressed |= partition.drain(this) > 0;
          }
          first++;
        }
        if (!progressed) {
          idle();
        }
      }
    } catch (Throwable t) {
      log.error("Consumer thread {} stopped by an unexpected error", getName(), t);
      throw t;
    }
  }

  /**
   * Notes that a partition may be retried at {@code when} ({@link RetryClock} time), so parking
   * ends by then.
   */
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
      park =
          Math.max(0, Math.min(retryClock.maxRetryPark(park), nextRetryNanos - retryClock.nanos()));
    }
    if (park > 0) {
      signal.await(park, workCheck);
    }
  }

  /** Whether a round could make progress now; true when closing, so the thread ends at once. */
  private boolean hasWork() {
    if (!state.running()) {
      return true;
    }
    if (state.paused()) {
      return false;
    }
    long now = retryClock.nanos();
    for (PartitionWorker partition : partitions) {
      if (partition.cursor.hasWork(now)) {
        return true;
      }
    }
    return false;
  }
}
