package io.agentmq.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.ConfigException;
import io.agentmq.api.Health;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import io.agentmq.api.TopicSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What only the Kafka backend has: its settings, connection errors and health details. */
class KafkaBackendTest {

  @Test
  @DisplayName("runs with nothing but MQ_BROKER_TYPE=kafka and KAFKA_BOOTSTRAP_SERVERS set")
  void environmentIsEnough() {
    MqConfig config =
        MqConfig.builder()
            .environment(
                Map.of(
                    "MQ_BROKER_TYPE",
                    "kafka",
                    "KAFKA_BOOTSTRAP_SERVERS",
                    KafkaTestBroker.bootstrapServers()))
            .build();

    try (MessageQueue queue = MessageQueue.create(config)) {
      assertThat(queue.backend()).isEqualTo("kafka");
      var report = queue.createProducer().sendAndWait("env-check", Message.ofText("x"));
      assertThat(report.partition()).isBetween(0, 3);
      assertThat(report.offset()).isZero();
    }
  }

  @Test
  @DisplayName("fails at start without bootstrap servers, naming the variable to set")
  void missingBootstrapServers() {
    MqConfig config = MqConfig.builder().brokerType("kafka").build();

    assertThatThrownBy(() -> MessageQueue.create(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS")
        .hasMessageContaining("expected host:port");
  }

  @Test
  @DisplayName("rejects bad kafka.* values and unknown keys, listing what is accepted")
  void badSettings() {
    MqConfig config =
        MqConfig.builder()
            .brokerType("kafka")
            .set("kafka.bootstrap_servers", "localhost:9092")
            .set("kafka.compression", "brotli")
            .set("kafka.lingerms", "5")
            .build();

    assertThatThrownBy(() -> MessageQueue.create(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'kafka.compression' = 'brotli'")
        .hasMessageContaining("one of none, gzip, snappy, lz4, zstd")
        .hasMessageContaining("unknown key 'kafka.lingerms'")
        .hasMessageContaining("kafka.linger_ms");
  }

  @Test
  @DisplayName("fails clearly and retriably when no broker answers, without leaking secrets")
  void unreachable() {
    MqConfig config =
        MqConfig.builder()
            .brokerType("kafka")
            .set("kafka.bootstrap_servers", "127.0.0.1:1")
            .set("kafka.request_timeout_ms", "2000")
            .set("kafka.client.sasl.jaas.config", "PlainLoginModule password=\"hunter2\";")
            .build();

    assertThat(config.toString()).doesNotContain("hunter2");
    assertThatThrownBy(() -> MessageQueue.create(config))
        .isInstanceOf(MessagingException.class)
        .hasMessageContaining("reaching Kafka at 127.0.0.1:1")
        .hasMessageNotContaining("hunter2")
        .satisfies(e -> assertThat(((MessagingException) e).isRetriable()).isTrue());
  }

  @Test
  @DisplayName("reports assigned partitions, lag and broker count in health")
  void healthDetails() {
    try (MessageQueue queue =
        MessageQueue.create(
            MqConfig.builder()
                .brokerType("kafka")
                .set("kafka.bootstrap_servers", KafkaTestBroker.bootstrapServers())
                .build())) {
      queue.admin().createTopic(TopicSpec.of("health-details", 2));
      List<String> seen = new CopyOnWriteArrayList<>();
      Subscriber consumer =
          queue.subscribe("health-details", "health-details-g", d -> seen.add(d.id()));
      queue.createProducer().sendAndWait("health-details", Message.ofText("x"));
      await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 1);

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                Health health = consumer.health();
                assertThat(health.isUp()).isTrue();
                assertThat(health.details().get("assignedPartitions"))
                    .asInstanceOf(InstanceOfAssertFactories.LIST)
                    .containsExactlyInAnyOrder("health-details-0", "health-details-1");
                assertThat(health.details().get("lag")).isEqualTo(0L);
              });
      Health queueHealth = queue.health();
      assertThat(queueHealth.isUp()).isTrue();
      assertThat(queueHealth.details()).containsEntry("brokers", 1);
    }
  }

  @Test
  @DisplayName(
      "retries with zero backoff skip nothing and keep per-key order (a seek never lets"
          + " records fetched before it through)")
  void zeroBackoffRetries() {
    try (MessageQueue queue =
        MessageQueue.create(
            KafkaTestBroker.configure(MqConfig.builder())
                .retryBackoff(Duration.ZERO, Duration.ZERO)
                .maxRetries(5)
                .build())) {
      queue.admin().createTopic(TopicSpec.of("zero-backoff", 2));
      Map<String, List<Integer>> handled = new java.util.concurrent.ConcurrentHashMap<>();
      queue.subscribe(
          io.agentmq.api.Subscription.to("zero-backoff")
              .group("zero-backoff-g")
              .concurrency(2)
              .handler(
                  d -> {
                    int n = Integer.parseInt(d.message().payloadAsText());
                    if (d.attempt() == 1 && n % 7 == 0) {
                      throw new IllegalStateException("first attempt of " + n);
                    }
                    handled
                        .computeIfAbsent(d.key().orElseThrow(), k -> new CopyOnWriteArrayList<>())
                        .add(n);
                  })
              .build());
      var producer = queue.createProducer();
      for (int i = 0; i < 500; i++) {
        producer.send("zero-backoff", Message.of("k" + (i % 4), Integer.toString(i).getBytes()));
      }
      producer.flush();

      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> handled.values().stream().mapToInt(List::size).sum() >= 500);
      handled.forEach(
          (key, values) -> {
            int k = Integer.parseInt(key.substring(1));
            List<Integer> expected = new java.util.ArrayList<>();
            for (int i = k; i < 500; i += 4) {
              expected.add(i);
            }
            assertThat(values).as(key).containsExactlyElementsOf(expected);
          });
    }
  }

  @Test
  @DisplayName(
      "starts up to maxInFlight deliveries of one partition before any completes, and never"
          + " commits past an unfinished one")
  void pipelinesAsyncDeliveriesOfAPartition() {
    MqConfig config =
        KafkaTestBroker.configure(MqConfig.builder())
            .set(MqConfig.CONSUMER_CLOSE_TIMEOUT_MS, "500")
            .build();
    try (MessageQueue queue = MessageQueue.create(config)) {
      queue.admin().createTopic(TopicSpec.of("in-flight", 1));
      var producer = queue.createProducer();
      for (int i = 0; i < 40; i++) {
        producer.send("in-flight", Message.of("k", Integer.toString(i).getBytes()));
      }
      producer.flush();
      List<Integer> calls = new CopyOnWriteArrayList<>();
      List<CompletableFuture<Void>> open = new CopyOnWriteArrayList<>();
      Subscriber consumer =
          queue.subscribe(
              Subscription.to("in-flight")
                  .group("in-flight-g")
                  .maxInFlight(16)
                  .asyncHandler(
                      d -> {
                        calls.add(Integer.parseInt(d.message().payloadAsText()));
                        CompletableFuture<Void> done = new CompletableFuture<>();
                        open.add(done);
                        return done;
                      })
                  .build());

      await().atMost(Duration.ofSeconds(30)).until(() -> calls.size() == 16);
      await().during(Duration.ofMillis(300)).until(() -> calls.size() == 16);
      // Completing the 2nd..16th first frees their slots, but the position stays at the 1st.
      for (int i = 1; i < 16; i++) {
        open.get(i).complete(null);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> calls.size() == 31);
      consumer.close(); // the 1st is still unfinished: closing must not commit past it

      List<Integer> again = new CopyOnWriteArrayList<>();
      queue.subscribe(
          "in-flight",
          "in-flight-g",
          d -> again.add(Integer.parseInt(d.message().payloadAsText())));
      await().atMost(Duration.ofSeconds(30)).until(() -> again.size() == 40);
      assertThat(calls.subList(0, 31)).isEqualTo(IntStream.range(0, 31).boxed().toList());
      assertThat(again).isEqualTo(IntStream.range(0, 40).boxed().toList());
    }
  }
}
