package io.agentmq.test;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The time a {@link TestBroker}'s retry backoff runs on: real time plus whatever {@link #advance}
 * added on the in-memory broker; real time alone on Kafka and RabbitMQ, where {@link #advance}
 * waits it out.
 *
 * <p>On the in-memory broker a message whose in-place retry is due in ten minutes is retried right
 * after {@code advance(Duration.ofMinutes(10))} (within a few milliseconds), and shorter backoffs
 * still pass by themselves. Parked retries through retry topics ({@code retry.in_place}) are due by
 * the system's wall clock on every backend and do not follow this clock. Thread-safe.
 */
public final class TestClock implements InstantSource {
  private final boolean drivesBroker;
  private final Runnable settle;
  private final AtomicLong offsetNanos = new AtomicLong();

  /**
   * @param drivesBroker whether the broker's retries follow this clock (the in-memory broker)
   * @param settle waits until what can run at the current time has run, before the clock moves
   */
  TestClock(boolean drivesBroker, Runnable settle) {
    this.drivesBroker = drivesBroker;
    this.settle = settle;
  }

  @Override
  public Instant instant() {
    return Instant.now().plusNanos(offsetNanos.get());
  }

  /**
   * Moves time ahead by {@code duration}. On the in-memory broker it first waits until the work
   * that can run now has run — nothing in flight, each busy subscriber held only by a retry it
   * waits for — so a retry scheduled by a handler that was still failing counts from the old time;
   * then it moves the clock at once. On Kafka and RabbitMQ, whose retries run on real time, it
   * waits {@code duration} of real time.
   *
   * @throws IllegalArgumentException if {@code duration} is negative
   * @throws AssertionError if the work that can run now does not finish within {@link
   *     TestBroker#DEFAULT_TIMEOUT}
   */
  public void advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException(
          "advance(" + duration + "): time only moves ahead; give a zero or positive duration");
    }
    if (!drivesBroker) {
      try {
        TimeUnit.NANOSECONDS.sleep(duration.toNanos());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting " + duration + " of real time");
      }
      return;
    }
    settle.run();
    offsetNanos.addAndGet(duration.toNanos());
  }

  /**
   * Whether {@link #advance} moves the broker's time (the in-memory broker) rather than waiting it
   * out in real time (Kafka, RabbitMQ).
   */
  public boolean drivesBroker() {
    return drivesBroker;
  }
}
