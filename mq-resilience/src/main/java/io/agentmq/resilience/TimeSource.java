package io.agentmq.resilience;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Future;

/**
 * The time the breaker and the rate limits read, wait on and schedule with: {@link #system()} in
 * production, a manual one in tests so that nothing sleeps.
 *
 * <p>Implementations are thread-safe.
 */
public interface TimeSource {

  /** The wall clock the circuit breaker measures its window and open state with. */
  Clock clock();

  /** A monotonic time in nanoseconds, as {@link System#nanoTime()}: rate-limit cycles use it. */
  long nanoTime();

  /**
   * Blocks the calling thread until {@code duration} of this source's time has passed.
   *
   * @throws InterruptedException when the thread is interrupted while waiting
   */
  void sleep(Duration duration) throws InterruptedException;

  /**
   * Runs {@code task} once after {@code delay}, on a thread of this source. The task must be short
   * and must not block. Cancel it with the returned future.
   */
  Future<?> schedule(Duration delay, Runnable task);

  /** The system clock and one shared daemon timer thread. */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }
}
