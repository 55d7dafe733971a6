package io.agentmq.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.NonRetryableException;
import io.agentmq.api.Producer;
import io.agentmq.api.deadletter.DeadLetterFilter;
import io.agentmq.api.deadletter.DeadLetterStats;
import io.agentmq.api.deadletter.DeadLetterSummary;
import io.agentmq.api.deadletter.DeadLetters;
import io.agentmq.api.deadletter.PurgeOptions;
import io.agentmq.api.deadletter.ReplayOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The README's dead-letter example, run as written. */
class DeadLetterReadmeExampleTest {

  @Test
  @DisplayName("the README's dead-letter example counts, browses, replays and purges")
  void readmeExample() {
    try (MessageQueue queue =
        MessageQueue.create(MqConfig.builder().brokerType("memory").build())) {
      AtomicBoolean broken = new AtomicBoolean(true);
      AtomicInteger handled = new AtomicInteger();
      queue.subscribe(
          "orders",
          "billing",
          d -> {
            if (broken.get()) {
              throw new NonRetryableException("timeout calling the billing service");
            }
            handled.incrementAndGet();
          });
      Producer producer = queue.createProducer();
      for (int i = 0; i < 5; i++) {
        producer.sendAndWait("orders", Message.of("customer-" + i, ("order " + i).getBytes()));
      }
      await().until(() -> queue.deadLetters().stats("orders").total() == 5);
      broken.set(false);
      String oneId = queue.deadLetters().browse("orders", DeadLetterFilter.ALL).get(4).id();

      // From the README:
      DeadLetters dl = queue.deadLetters();
      DeadLetterStats stats = dl.stats("orders"); // or "orders.deadletter"
      System.out.println(stats.total() + " dead letters, by reason " + stats.byReason());
      dl.browse(
          "orders",
          DeadLetterFilter.ALL.withReasonContaining("timeout").withLimit(10),
          d -> System.out.println(d.id() + " " + d.reason().orElse("")));
      dl.purge("orders", DeadLetterFilter.ALL.withIds(Set.of(oneId)), PurgeOptions.defaults());
      DeadLetterSummary replayed =
          dl.replay(
              "orders",
              DeadLetterFilter.ALL.withFailedFrom(Instant.now().minus(Duration.ofHours(2))),
              ReplayOptions.defaults()); // max 3 replays per message
      System.out.println(replayed); // replayed 4, skipped 0 of 4 examined

      assertThat(stats.total()).isEqualTo(5);
      assertThat(stats.byReason()).containsOnlyKeys("non-retryable failure");
      assertThat(replayed.toString()).isEqualTo("replayed 4, skipped 0 of 4 examined");
      await().until(() -> handled.get() == 4);
      assertThat(dl.stats("orders").total()).isZero();
    }
  }
}
