package io.agentmq.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import io.agentmq.api.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The broker goes away and comes back while messages flow. */
class KafkaBrokerRestartTest {
  private static final int MESSAGES = 20_000;

  @Test
  @Timeout(300)
  @DisplayName(
      "consumes every acknowledged send when the broker restarts while a producer and a"
          + " consumer run")
  void restartWhileFlowing() throws Exception {
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start();
        MessageQueue queue =
            MessageQueue.create(
                MqConfig.builder()
                    .brokerType("kafka")
                    .set("kafka.bootstrap_servers", broker.bootstrapServers())
                    .set("kafka.linger_ms", "1")
                    .set(MqConfig.SEND_TIMEOUT_MS, "120000")
                    .build())) {
      String topic = "restart";
      queue.admin().createTopic(TopicSpec.of(topic, 4));
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
                for (int i = 0; i < MESSAGES; i++) {
                  producer
                      .send(
                          topic,
                          Message.of("k" + (i % 32), ("m" + i).getBytes(StandardCharsets.UTF_8)))
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
              "restart-test-sender");
      sender.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 5_000);

      broker.stop();
      int ackedBeforeRestart = acknowledged.size();
      Thread.sleep(1_000);
      broker.startAgain();

      sender.join();
      producer.flush();
      await()
          .atMost(Duration.ofSeconds(180))
          .until(() -> acknowledged.size() + failed.get() == MESSAGES);
      await()
          .atMost(Duration.ofSeconds(180))
          .until(() -> consumed.keySet().containsAll(acknowledged));
      long duplicates = consumed.values().stream().mapToLong(n -> n - 1).sum();
      System.out.printf(
          "broker restart: %d sent, %d acknowledged (%d before the restart), %d failed, %d consumed,"
              + " %d duplicates%n",
          MESSAGES,
          acknowledged.size(),
          ackedBeforeRestart,
          failed.get(),
          consumed.size(),
          duplicates);
      assertThat(ackedBeforeRestart).isLessThan(MESSAGES);
      assertThat(consumed.keySet()).containsAll(acknowledged);
    }
  }
}
