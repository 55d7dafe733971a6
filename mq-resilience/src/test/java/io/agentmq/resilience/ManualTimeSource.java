package io.agentmq.resilience;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * A {@link TimeSource} that stands still until a test {@link #advance advances} it: waits end and
 * scheduled tasks run only then, so tests control time instead of sleeping.
 */
public final class ManualTimeSource implements TimeSource {
  private final Instant start = Instant.parse("2026-01-01T00:00:00Z");
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long nanos; // guarded by this
  private long sequence; // guarded by this
  private int sleepers; // guarded by this

  private record Task(long due, long sequence, Runnable run, CompletableFuture<Void> handle)
      implements Comparable<Task> {
    @Override
    public int compareTo(Task other) {
      int byDue = Long.compare(due, other.due);
      return byDue != 0 ? byDue : Long.compare(sequence, other.sequence);
    }
  }

  @Override
  public Clock clock() {
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return start.plusNanos(nanoTime());
      }
    };
  }

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  /** Waits (without sleeping) until the time has been advanced by {@code duration}. */
  @Override
  public synchronized void sleep(Duration duration) throws InterruptedException {
    long deadline = nanos + duration.toNanos();
    sleepers++;
    try {
      while (nanos < deadline) {
        wait();
      }
    } finally {
      sleepers--;
    }
  }

  @Override
  public synchronized Future<?> schedule(Duration delay, Runnable task) {
    CompletableFuture<Void> handle = new CompletableFuture<>();
    tasks.add(new Task(nanos + Math.max(0, delay.toNanos()), sequence++, task, handle));
    return handle;
  }

  /** Moves the time on: wakes the waits that are due, then runs the due tasks on this thread. */
  public void advance(Duration duration) {
    List<Task> due = new ArrayList<>();
    synchronized (this) {
      nanos += duration.toNanos();
      while (!tasks.isEmpty() && tasks.peek().due() <= nanos) {
        due.add(tasks.poll());
      }
      notifyAll();
    }
    for (Task task : due) {
      if (!task.handle().isDone()) {
        task.run().run();
        task.handle().complete(null);
      }
    }
  }

  /** Threads waiting in {@link #sleep} now: e.g. a consumer waiting for its next permit. */
  public synchronized int sleepers() {
    return sleepers;
  }

  /** Scheduled tasks not yet run nor cancelled. */
  public synchronized long pendingTasks() {
    return tasks.stream().filter(t -> !t.handle().isDone()).count();
  }
}
