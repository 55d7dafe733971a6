package io.agentmq.kafka.consumer;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a failed poll loop is started again: after a backoff from {@link #FIRST} doubling to {@link
 * #MAX}, reset once a loop has run {@link #STABLE} without failing; what the subscriber's status
 * says meanwhile; and an early end when the subscriber closes. Used by the poll thread; {@link
 * #pending} and {@link #cancel} by any thread.
 */
final class LoopRestarts {
  private static final Logger log = LoggerFactory.getLogger(LoopRestarts.class);

  static final Duration FIRST = Duration.ofMillis(100);
  static final Duration MAX = Duration.ofSeconds(30);
  static final Duration STABLE = Duration.ofMinutes(1);

  private final String group;
  private int attempt;
  private long startedAt = System.nanoTime();
  private volatile String pending;
  private boolean cancelled; // guarded by this

  LoopRestarts(String group) {
    this.group = group;
  }

  /**
   * Waits out the backoff after {@code failure}; false if {@link #cancel} came first. Meanwhile
   * {@link #pending} names the failure and the attempt.
   */
  synchronized boolean awaitNext(Throwable failure) {
    if (System.nanoTime() - startedAt > STABLE.toNanos()) {
      attempt = 0; // the last loop ran long enough: this is a new failure, not the same one
    }
    attempt++;
    long delayMillis = Math.min(MAX.toMillis(), FIRST.toMillis() << Math.min(attempt - 1, 20));
    pending =
        "poll loop failed: "
            + failure
            + "; starting a new one in "
            + delayMillis
            + " ms, attempt "
            + attempt;
    log.warn("Consumer of group {}: {}", group, pending);
    long deadline = System.nanoTime() + delayMillis * 1_000_000L;
    try {
      long remaining;
      while (!cancelled && (remaining = deadline - System.nanoTime()) > 0) {
        wait(Math.max(1, remaining / 1_000_000L));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return !cancelled;
  }

  /** A new loop runs: the status no longer reports the restart. */
  synchronized void started() {
    startedAt = System.nanoTime();
    pending = null;
    log.info("Consumer of group {} polls again (attempt {})", group, attempt);
  }

  /** What the status reports while a restart waits, or null. */
  String pending() {
    return pending;
  }

  /** The subscriber closes: no more restarts; a waiting one ends now. */
  synchronized void cancel() {
    cancelled = true;
    notifyAll();
  }
}
