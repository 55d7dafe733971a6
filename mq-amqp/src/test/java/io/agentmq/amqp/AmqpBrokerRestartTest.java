package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** RabbitMQ stops and starts again while messages flow. */
class AmqpBrokerRestartTest {
  private static final int MESSAGES = 12_000;

  private static void rabbitmqctl(String command) throws Exception {
    Process p =
        new ProcessBuilder("rabbitmqctl", command).redirectErrorStream(true).inheritIO().start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("rabbitmqctl " + command).isTrue();
    assertThat(p.exitValue()).as("rabbitmqctl " + command + " exit code").isZero();
  }

  private static boolean localBrokerControllable() {
    try {
      return System.getenv("AMQP_URL") == null
          && new ProcessBuilder("rabbitmqctl", "status").start().waitFor() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  @Timeout(600)
  @DisplayName(
      "consumes every confirmed message when RabbitMQ restarts while a producer and a"
          + " consumer run")
  void restartWhileFlowing() throws Exception {
    assumeTrue(
        localBrokerControllable(),
        "needs the local RabbitMQ and rabbitmqctl (AMQP_URL points elsewhere or rabbitmqctl is"
            + " missing)");
    String topic = "restart-" + UUID.randomUUID().toString().substring(0, 8);
    try (MessageQueue queue =
        MessageQueue.create(
            MqConfig.builder()
                .brokerType("amqp")
                .set("amqp.url", AmqpTestBroker.url())
                .set(MqConfig.SEND_TIMEOUT_MS, "120000")
                .build())) {
      Map<String, Integer> consumed = new ConcurrentHashMap<>();
      queue.subscribe(
          Subscription.to(topic)
              .group("readers")
              .concurrency(2)
              .handler(d -> consumed.merge(d.id(), 1, Integer::sum))
              .build());
      Producer producer = queue.createProducer();
      Set<String> confirmed = ConcurrentHashMap.newKeySet();
      AtomicInteger failed = new AtomicInteger();
      Thread sender =
          new Thread(
              () -> {
                for (int i = 0; i < MESSAGES; i++) {
                  producer
                      .send(
                          topic,
                          Message.of("k" + (i % 16), ("m" + i).getBytes(StandardCharsets.UTF_8)))
                      .whenComplete(
                          (r, e) -> {
                            if (e == null) {
                              confirmed.add(r.messageId());
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
      await().atMost(Duration.ofSeconds(60)).until(() -> confirmed.size() >= 3_000);

      rabbitmqctl("stop_app");
      int confirmedBeforeRestart = confirmed.size();
      rabbitmqctl("start_app");

      sender.join();
      await()
          .atMost(Duration.ofSeconds(240))
          .until(() -> confirmed.size() + failed.get() == MESSAGES);
      await().atMost(Duration.ofSeconds(240)).until(() -> consumed.keySet().containsAll(confirmed));
      long duplicates = consumed.values().stream().mapToLong(n -> n - 1).sum();
      System.out.printf(
          "rabbitmq restart: %d sent, %d confirmed (%d before the restart), %d failed, %d consumed,"
              + " %d duplicates%n",
          MESSAGES,
          confirmed.size(),
          confirmedBeforeRestart,
          failed.get(),
          consumed.size(),
          duplicates);
      assertThat(confirmedBeforeRestart).isLessThan(MESSAGES);
      assertThat(consumed.keySet()).containsAll(confirmed);
    }
  }
}
