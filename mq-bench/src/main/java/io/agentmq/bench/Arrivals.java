package io.agentmq.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts deliveries of an end-to-end round: the first (sent before the clock starts, so the
 * consumer is attached and fetching) and the last.
 */
final class Arrivals {
  final AtomicLong received = new AtomicLong();
  final CountDownLatch first = new CountDownLatch(1);
  final CountDownLatch last = new CountDownLatch(1);
  final long expected;

  Arrivals(long expected) {
    this.expected = expected;
  }

  void add(long count) {
    long now = received.addAndGet(count);
    if (now >= 1) {
      first.countDown();
    }
    if (now >= expected) {
      last.countDown();
    }
  }

  /** Releases both waits at once: the consuming side failed. */
  void fail() {
    first.countDown();
    last.countDown();
  }

  void await(CountDownLatch latch) throws InterruptedException {
    if (!latch.await(5, TimeUnit.MINUTES)) {
      throw new IllegalStateException("got " + received.get() + " of " + expected + " messages");
    }
  }
}
