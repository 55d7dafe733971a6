package io.agentmq.amqp;

import io.agentmq.api.RetryPolicy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings an {@link AmqpSubscriber} back after RabbitMQ closed its channel or cancelled one of its
 * consumers: retires the lost channel, then reopens (new channel, declarations, consumers) with
 * exponential backoff from {@link #FIRST_DELAY} doubling to {@link #MAX_DELAY}, with jitter, until
 * it succeeds or the subscriber closes; meanwhile {@link #problem()} says why the subscriber is
 * down.
 *
 * <p>Every step runs on one thread of its own, never on the client's connection or consumer threads
 * that report a loss (opening a channel from those would wait on themselves), and so one at a time:
 * a loss reported while an attempt runs is handled after it.
 */
final class Resubscriber {
  private static final Logger log = LoggerFactory.getLogger(Resubscriber.class);

  static final Duration FIRST_DELAY = Duration.ofMillis(100);
  static final Duration MAX_DELAY = Duration.ofSeconds(10);

  /** The delays between attempts: the retry policy's exponential backoff with jitter. */
  private static final RetryPolicy BACKOFF =
      RetryPolicy.DEFAULT.withBackoff(FIRST_DELAY, MAX_DELAY);

  /** What is brought back: the subscriber's channel, by generation. */
  interface Target {
    /**
     * Ends channel generation {@code generation} and closes its channel; false when a newer
     * generation replaced it already (the loss was reported twice, or was of an old channel).
     */
    boolean retire(long generation);

    /** Opens a new channel, declares the queues again and consumes; throws when it could not. */
    void reopen() throws Exception;
  }

  /**
   * Down since a loss until an attempt succeeds: the loss, the attempt running or next, why the
   * last one failed.
   */
  private record Down(String cause, int attempt, String lastFailure) {
    String describe() {
      return cause
          + "; resubscribing, attempt "
          + attempt
          + (lastFailure == null ? "" : " (last failure: " + lastFailure + ")");
    }
  }

  private final String name;
  private final Target target;
  private final ScheduledThreadPoolExecutor executor;
  private volatile Down down;
  private volatile String lastLoss;
  private volatile long resubscriptions;

  Resubscriber(String name, Target target) {
    this.name = name;
    this.target = target;
    // Its thread starts with the first loss: a subscriber that never loses its channel has none.
    this.executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
  }

  /**
   * Reports that channel generation {@code generation} was lost for {@code cause}. Returns at once,
   * from any thread; nothing happens once {@link #close()} was called.
   */
  void lost(long generation, String cause) {
    try {
      executor.execute(() -> onLost(generation, cause));
    } catch (RejectedExecutionException e) {
      log.debug("{} after close, not resubscribing: {}", name, cause);
    }
  }

  /** Why the subscriber is not consuming, while it resubscribes. */
  Optional<String> problem() {
    Down d = down;
    return d == null ? Optional.empty() : Optional.of(d.describe());
  }

  /** The last loss of a channel or consumer, even when resubscribed since. */
  Optional<String> lastLoss() {
    return Optional.ofNullable(lastLoss);
  }

  /** How many times the subscriber consumed again after a loss. */
  long resubscriptions() {
    return resubscriptions;
  }

  /** Stops resubscribing; an attempt already running is interrupted. Idempotent. */
  void close() {
    executor.shutdownNow();
  }

  private void onLost(long generation, String cause) {
    if (down != null || !target.retire(generation)) {
      return; // already resubscribing, or a channel replaced since
    }
    log.warn("{}: {}; resubscribing", name, cause);
    lastLoss = cause;
    down = new Down(cause, 1, null);
    schedule(1);
  }

  private void attempt(int attempt) {
    Down was = down;
    try {
      target.reopen();
    } catch (Exception e) {
      if (executor.isShutdown()) {
        return;
      }
      String failure = e.getMessage() == null ? e.toString() : e.getMessage();
      down = new Down(was.cause(), attempt + 1, failure);
      log.warn("{}: resubscribing failed (attempt {}): {}", name, attempt, failure);
      schedule(attempt + 1);
      return;
    }
    down = null;
    resubscriptions++;
    log.info("{}: consuming again after {} attempt(s), following: {}", name, attempt, was.cause());
  }

  private void schedule(int attempt) {
    try {
      executor.schedule(
          () -> attempt(attempt), BACKOFF.delayAfter(attempt).toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
  }
}
