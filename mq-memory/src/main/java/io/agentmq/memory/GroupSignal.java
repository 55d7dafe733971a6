package io.agentmq.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Wakes the idle consumer threads of one group when there is new work.
 *
 * <p>A sender pays one volatile read when no thread waits, and at most one round of unparks per
 * round of parking: after waking the group it does not wake it again until a thread parks anew.
 */
final class GroupSignal {
  private static final VarHandle NOTIFIED;

  static {
    try {
      NOTIFIED = MethodHandles.lookup().findVarHandle(GroupSignal.class, "notified", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private volatile Thread[] threads = new Thread[0];
  private final AtomicInteger waiting = new AtomicInteger();

  @SuppressWarnings("unused") // through NOTIFIED
  private volatile boolean notified;

  /** Adds a consumer thread of the group. */
  synchronized void register(Thread thread) {
    Thread[] grown = Arrays.copyOf(threads, threads.length + 1);
    grown[threads.length] = thread;
    threads = grown;
  }

  synchronized void unregister(Thread thread) {
    threads = Arrays.stream(threads).filter(t -> t != thread).toArray(Thread[]::new);
  }

  /** Called by senders after adding work. */
  void wake() {
    // Plain reads first: a failing compare-and-set would still take the cache line from readers.
    if (waiting.get() > 0 && !notified && NOTIFIED.compareAndSet(this, false, true)) {
      wakeAll();
    }
  }

  /** Unparks every thread of the group (when work was released, or a consumer closed). */
  void wakeAll() {
    for (Thread thread : threads) {
      LockSupport.unpark(thread);
    }
  }

  /** Parks the calling thread up to {@code nanos}, unless {@code hasWork} already says so. */
  void await(long nanos, BooleanSupplier hasWork) {
    waiting.incrementAndGet();
    notified = false;
    try {
      // Registered before the re-check: a sender that adds work after it sees us waiting.
      if (!hasWork.getAsBoolean()) {
        LockSupport.parkNanos(this, nanos);
      }
    } finally {
      waiting.decrementAndGet();
    }
  }
}
