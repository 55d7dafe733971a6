package io.agentmq.memory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Wakes the idle consumer threads of one group when there is new work. Senders pay one volatile
 * read when nobody waits.
 */
final class GroupSignal {
  private final Set<Thread> parked = ConcurrentHashMap.newKeySet();
  private final AtomicInteger waiting = new AtomicInteger();

  void wake() {
    if (waiting.get() > 0) {
      wakeAll();
    }
  }

  void wakeAll() {
    for (Thread thread : parked) {
      LockSupport.unpark(thread);
    }
  }

  /** Parks the calling thread up to {@code nanos}, unless {@code hasWork} already says so. */
  void await(long nanos, BooleanSupplier hasWork) {
    Thread self = Thread.currentThread();
    parked.add(self);
    waiting.incrementAndGet();
    try {
      // Registered before the re-check: a sender that adds work after it sees us waiting.
      if (!hasWork.getAsBoolean()) {
        LockSupport.parkNanos(this, nanos);
      }
    } finally {
      waiting.decrementAndGet();
      parked.remove(self);
    }
  }
}
