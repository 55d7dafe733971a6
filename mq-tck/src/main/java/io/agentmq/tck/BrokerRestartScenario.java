package io.agentmq.tck;

import static org.awaitility.Awaitility.await;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broker-restart case, for backends whose tests can restart their broker: a producer and a
 * consumer run while the broker stops and starts again; afterwards every acknowledged send must
 * have been consumed. Duplicates are allowed (at-least-once) and counted.
 */
public final class BrokerRestartScenario {

  /** What happened; {@link #lost()} must be empty. */
  public record Result(
      int sent,
      int acknowledged,
      int acknowledgedBeforeRestart,
      int failed,
      int consumed,
      long duplicates,
      Set<String> lost) {
    @Override
    public String toString() {
      return String.format(
          "%d sent, %d acknowledged (%d before the restart), %d failed, %d consumed, %d"
              + " duplicates, %d lost",
          sent, acknowledged, acknowledgedBeforeRestart, failed, consumed, duplicates, lost.size());
    }
  }

  /** Stops and starts the broker again. */
  @FunctionalInterface
  public interface Restart {
    void run() throws Exception;
  }

  private BrokerRestartScenario() {}

  /**
   * Sends {@code messages} (paced, 16 keys) to {@code topic} while a group consumes it, restarts
   * the broker once a quarter of them are acknowledged, and waits for every acknowledged one.
   */
  public static Result run(MessageQueue queue, String topic, int messages, Restart restart)
      throws Exception {
    Map<String, Integer> consumed = new ConcurrentHashMap<>();
    queue.subscribe(
        Subscription.to(topic)
            .group("restart-readers")
            .concurrency(2)
            .handler(d -> consumed.merge(d.id(), 1, Integer::sum))
            .build());
    Producer producer = queue.createProducer();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger failed = new AtomicInteger();
    Thread sender =
        new Thread(
            () -> {
              for (int i = 0; i < messages; i++) {
                producer
                    .send(
                        topic,
                        Message.of("k" + (i % 16), ("m" + i).getBytes(StandardCharsets.UTF_8)))
                    .whenComplete(
                        (report, error) -> {
                          if (error == null) {
                            acknowledged.add(report.messageId());
                          } else {
                            failed.incrementAndGet();
                          }
                        });
                if (i % 20 == 0) {
                  try {
                    Thread.sleep(5);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              }
            },
            "restart-sender");
    sender.start();
    await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= messages / 4);

    int before = acknowledged.size();
    restart.run();

    sender.join();
    producer.flush();
    await()
        .atMost(Duration.ofSeconds(240))
        .until(() -> acknowledged.size() + failed.get() == messages);
    await()
        .atMost(Duration.ofSeconds(240))
        .until(() -> consumed.keySet().containsAll(acknowledged));
    Set<String> lost = ConcurrentHashMap.newKeySet();
    lost.addAll(acknowledged);
    lost.removeAll(consumed.keySet());
    long duplicates = consumed.values().stream().mapToLong(n -> n - 1).sum();
    return new Result(
        messages, acknowledged.size(), before, failed.get(), consumed.size(), duplicates, lost);
  }
}
