package io.agentmq.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A group's position in one partition, shared by the consumers of the group.
 *
 * <p>A consumer thread processes the partition only while it holds the claim, so a partition's
 * messages are handled one at a time and in order, by whichever consumer of the group is free.
 * {@link #attempt} and {@link #retryAtNanos} belong to the claim holder (an asynchronous handler's
 * completion holds it too, until it releases).
 */
final class GroupCursor {
  final PartitionLog log;
  final String group;
  final GroupSignal signal;
  private final AtomicBoolean claimed = new AtomicBoolean();
  private static final VarHandle COMMITTED;

  static {
    try {
      COMMITTED = MethodHandles.lookup().findVarHandle(GroupCursor.class, "committed", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * Written by the claim holder with release semantics (a plain store on x86: no fence per
   * message); read by senders and health checks, for whom a slightly stale value is safe.
   */
  @SuppressWarnings("FieldMayBeFinal")
  private volatile long committed;

  /** Attempt number of the message at {@link #committed()}. */
  int attempt = 1;

  /**
   * When the message at {@link #committed()} may be retried, on the queue's {@link RetryClock}; 0
   * when not waiting.
   */
  volatile long retryAtNanos;

  GroupCursor(PartitionLog log, String group, GroupSignal signal, long start) {
    this.log = log;
    this.group = group;
    this.signal = signal;
    this.committed = start;
  }

  /** Next offset the group will be given; everything before it is acknowledged. */
  long committed() {
    return committed;
  }

  void commit(long next) {
    COMMITTED.setRelease(this, next);
    attempt = 1;
    log.committed(next);
  }

  boolean tryClaim() {
    return !claimed.get() && claimed.compareAndSet(false, true);
  }

  void release() {
    claimed.set(false);
  }

  /** Whether a free consumer thread could make progress here now ({@link RetryClock} time). */
  boolean hasWork(long nowNanos) {
    long retryAt = retryAtNanos;
    return committed < log.tail() && !claimed.get() && (retryAt == 0 || retryAt - nowNanos <= 0);
  }

  long lag() {
    return log.tail() - committed;
  }
}
