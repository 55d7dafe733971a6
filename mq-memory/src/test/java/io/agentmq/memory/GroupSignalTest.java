package io.agentmq.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How a group's idle consumer threads are woken: one per signal, all on close, none lost. */
class GroupSignalTest {
  private static final long PARK_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final GroupSignal signal = new GroupSignal();
  private final AtomicInteger woken = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    signal.wakeAll();
    for (Thread t : threads) {
      t.interrupt();
      t.join(5_000);
    }
  }

  /** Starts a thread that parks once on the signal and counts its return. */
  private void parkOnce() {
    Thread t =
        new Thread(
            () -> {
              signal.await(PARK_NANOS, () -> false);
              woken.incrementAndGet();
            });
    signal.register(t);
    threads.add(t);
    t.start();
  }

  private void parkFour() {
    for (int i = 0; i < 4; i++) {
      parkOnce();
    }
    await().until(() -> threads.stream().allMatch(t -> t.getState() == Thread.State.TIMED_WAITING));
  }

  @Test
  @DisplayName("new work wakes one parked thread of the group, not all of them")
  void wakesOne() {
    parkFour();

    signal.wake();

    await().untilAtomic(woken, equalTo(1));
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .untilAtomic(woken, equalTo(1));
    assertThat(signal.anyParked()).isTrue();
  }

  @Test
  @DisplayName("once the woken thread runs, the next work wakes another")
  void wakesAnotherOnceTheFirstRuns() {
    parkFour();

    signal.wake();
    await().untilAtomic(woken, equalTo(1));
    signal.wake();

    await().untilAtomic(woken, equalTo(2));
  }

  @Test
  @DisplayName("wakeAll wakes every parked thread (a consumer closed, work was released)")
  void wakeAllWakesEveryone() {
    parkFour();

    signal.wakeAll();

    await().untilAtomic(woken, equalTo(4));
    assertThat(signal.anyParked()).isFalse();
  }

  @Test
  @DisplayName("work that arrives while a thread is about to park keeps it from parking")
  void workSeenBeforeParkingIsNotLost() {
    AtomicBoolean work = new AtomicBoolean(true);
    long start = System.nanoTime();

    signal.await(PARK_NANOS, work::get);

    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(10));
    assertThat(signal.anyParked()).isFalse();
  }
}
