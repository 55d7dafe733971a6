package io.agentmq.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Wakes idle consumer threads of one group when there is new work: one thread at a time.
 *
 * <p>A sender wakes the thread that parked last (its caches are the warmest), and wakes no other
 * until that one runs again; a woken thread that finds more than it can take wakes the next (see
 * {@link PollingThread}). Waking every idle thread per message would send the whole group after
 * work only one of them can claim, and on a machine with fewer cores than consumer threads the
 * others would spend the cores it needs. A sender pays one volatile read when no thread waits.
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

  /** Parked threads, the last parked first. */
  private final ConcurrentLinkedDeque<Thread> parked = new ConcurrentLinkedDeque<>();

  /**
   * Set while a woken thread has not run yet: further work waits for it rather than waking more.
   */
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

  /** Whether a thread of the group is parked, so more work could use another thread. */
  boolean anyParked() {
    return !parked.isEmpty();
  }

  /** Called after adding work: wakes one parked thread unless one was woken and has not run. */
  void wake() {
    // Plain reads first: a failing compare-and-set would still take the cache line from readers.
    if (!notified && !parked.isEmpty() && NOTIFIED.compareAndSet(this, false, true)) {
      Thread thread = parked.pollFirst();
      if (thread != null) {
        LockSupport.unpark(thread);
      } else {
        notified = false; // it woke on its own meanwhile; the next work may wake another
      }
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
    Thread self = Thread.currentThread();
    parked.addFirst(self);
    try {
      // Listed before the re-check: a sender that adds work after it sees this thread parked.
      if (!hasWork.getAsBoolean()) {
        LockSupport.parkNanos(this, nanos);
      }
    } finally {
      if (!parked.removeFirstOccurrence(self)) {
        // A sender took this thread off the list to wake it: it runs now, so the next work may
        // wake another.
        notified = false;
      }
    }
  }
}
