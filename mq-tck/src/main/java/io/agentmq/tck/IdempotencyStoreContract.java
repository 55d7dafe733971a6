package io.agentmq.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.spi.IdempotencyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What every {@link io.agentmq.spi.IdempotencyStore} does; a store's test extends this and says how
 * to open one. Durable stores also pass {@link #survivesReopening()}.
 */
public abstract class IdempotencyStoreContract {

  /** Opens a store keeping records {@code retention}; a new one on the same backing data. */
  protected abstract IdempotencyStore open(Duration retention);

  /** Whether a store opened again sees what an earlier one recorded (false: in-process only). */
  protected abstract boolean durable();

  private static String scope() {
    return "orders.in.billing-" + UUID.randomUUID();
  }

  @Test
  @DisplayName("answers contains() true for a recorded id and false for any other")
  void recordsIds() {
    String scope = scope();
    try (IdempotencyStore store = open(Duration.ofMinutes(10))) {
      assertThat(store.contains(scope, "m-1")).isFalse();
      store.record(scope, "m-1");
      assertThat(store.contains(scope, "m-1")).isTrue();
      assertThat(store.contains(scope, "m-2")).isFalse();
    }
  }

  @Test
  @DisplayName("keeps scopes apart: an id handled by one group is new to another")
  void scopesAreSeparate() {
    String billing = scope();
    String shipping = scope();
    try (IdempotencyStore store = open(Duration.ofMinutes(10))) {
      store.record(billing, "m-1");
      assertThat(store.contains(shipping, "m-1")).isFalse();
    }
  }

  @Test
  @DisplayName("accepts recording the same id twice")
  void recordingTwiceIsHarmless() {
    String scope = scope();
    try (IdempotencyStore store = open(Duration.ofMinutes(10))) {
      store.record(scope, "m-1");
      store.record(scope, "m-1");
      assertThat(store.contains(scope, "m-1")).isTrue();
    }
  }

  @Test
  @DisplayName("forgets a record once it is older than the retention")
  void forgetsAfterRetention() {
    String scope = scope();
    try (IdempotencyStore store = open(Duration.ofMillis(300))) {
      store.record(scope, "m-1");
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> !store.contains(scope, "m-1"));
    }
  }

  @Test
  @DisplayName("records from many threads at once, none lost")
  void concurrentRecords() throws Exception {
    String scope = scope();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (IdempotencyStore store = open(Duration.ofMinutes(10))) {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        String id = "m-" + i;
        futures.add(pool.submit(() -> store.record(scope, id)));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      for (int i = 0; i < 400; i++) {
        assertThat(store.contains(scope, "m-" + i)).as("m-" + i).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @DisplayName("counts the handlings of a message 1, 2, 3, apart for each scope and id")
  void countsHandlings() {
    String scope = scope();
    try (IdempotencyStore store = open(Duration.ofMinutes(10))) {
      assertThat(store.countHandling(scope, "m-1")).isEqualTo(1);
      assertThat(store.countHandling(scope, "m-1")).isEqualTo(2);
      assertThat(store.countHandling(scope, "m-2")).isEqualTo(1);
      assertThat(store.countHandling(scope(), "m-1")).isEqualTo(1);
      assertThat(store.countHandling(scope, "m-1")).isEqualTo(3);
    }
  }

  @Test
  @DisplayName("starts a count over once it is older than the retention")
  void countsStartOverAfterRetention() {
    String scope = scope();
    try (IdempotencyStore store = open(Duration.ofMillis(300))) {
      store.countHandling(scope, "m-1");
      store.countHandling(scope, "m-1");
      store.record(scope, "recorded-with-it");
      // Recorded after the count began: once it is forgotten, the count is past the retention.
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> !store.contains(scope, "recorded-with-it"));
      assertThat(store.countHandling(scope, "m-1")).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("a durable store keeps counting across a reopening; an in-process one starts over")
  void countsSurviveReopening() {
    String scope = scope();
    try (IdempotencyStore first = open(Duration.ofMinutes(10))) {
      first.countHandling(scope, "m-1");
    }
    try (IdempotencyStore second = open(Duration.ofMinutes(10))) {
      assertThat(second.countHandling(scope, "m-1")).isEqualTo(durable() ? 2 : 1);
      assertThat(second.durable()).isEqualTo(durable());
    }
  }

  @Test
  @DisplayName("a durable store remembers what a closed one recorded; an in-process one does not")
  void survivesReopening() {
    String scope = scope();
    try (IdempotencyStore first = open(Duration.ofMinutes(10))) {
      first.record(scope, "m-1");
    }
    try (IdempotencyStore second = open(Duration.ofMinutes(10))) {
      assertThat(second.contains(scope, "m-1")).isEqualTo(durable());
    }
  }
}
