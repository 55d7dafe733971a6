package io.agentmq.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.DeliveryMode;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import io.agentmq.api.TopicSpec;
import io.agentmq.kafka.consumer.KafkaSubscriberTestAccess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Exactly-once on Kafka when consumers die mid-stream. */
class KafkaExactlyOnceTest {
  private static final int MESSAGES = 10_000;

  @Test
  @Timeout(300)
  @DisplayName(
      "consume-transform-produce over 10k messages with the consumer killed twice leaves"
          + " exactly the input ids in the output, read with read_committed")
  void survivesKills() {
    String in = "eos-in-" + UUID.randomUUID().toString().substring(0, 8);
    String out = "eos-out-" + UUID.randomUUID().toString().substring(0, 8);
    MqConfig config =
        MqConfig.builder()
            .brokerType("kafka")
            .set("kafka.bootstrap_servers", KafkaTestBroker.bootstrapServers())
            .set("kafka.linger_ms", "1")
            .deliveryMode(DeliveryMode.EXACTLY_ONCE)
            .build();
    try (MessageQueue queue = MessageQueue.create(config)) {
      queue.admin().createTopic(TopicSpec.of(in, 4));
      queue.admin().createTopic(TopicSpec.of(out, 4));
      var producer = queue.createProducer();
      List<CompletableFuture<io.agentmq.api.DeliveryReport>> sends =
          IntStream.range(0, MESSAGES)
              .mapToObj(
                  i ->
                      producer.send(
                          in,
                          Message.of("k" + (i % 64), ("m" + i).getBytes(StandardCharsets.UTF_8))))
              .toList();
      Set<String> expected =
          sends.stream().map(f -> "out-" + f.join().messageId()).collect(Collectors.toSet());
      Subscription transform =
          Subscription.to(in)
              .group("eos-transform-" + in)
              .concurrency(2)
              .handler(
                  d ->
                      d.producer()
                          .send(
                              out,
                              Message.builder(d.payload())
                                  .id("out-" + d.id())
                                  .key(d.key().orElse(null))
                                  .build()))
              .build();
      Map<String, Integer> seen = new ConcurrentHashMap<>();
      try (CommittedReader reader = new CommittedReader(out, seen)) {
        Subscriber first = queue.subscribe(transform);
        await().atMost(Duration.ofSeconds(120)).until(() -> reader.poll() >= 2_000);
        KafkaSubscriberTestAccess.abort(first);
        Subscriber second = queue.subscribe(transform);
        await().atMost(Duration.ofSeconds(120)).until(() -> reader.poll() >= 6_000);
        KafkaSubscriberTestAccess.abort(second);
        queue.subscribe(transform);
        await().atMost(Duration.ofSeconds(120)).until(() -> reader.poll() >= MESSAGES);
        await()
            .during(Duration.ofSeconds(2))
            .atMost(Duration.ofSeconds(30))
            .until(() -> reader.poll() >= MESSAGES);
      }
      long duplicates = seen.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
      System.out.printf(
          "exactly-once after 2 kills: %d input, %d distinct output, %d duplicates%n",
          MESSAGES, seen.size(), duplicates);
      assertThat(seen.keySet()).isEqualTo(expected);
      assertThat(duplicates).isZero();
    }
  }

  /** A plain Kafka consumer reading the output with read_committed, counting ids. */
  private static final class CommittedReader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Integer> seen;

    CommittedReader(String topic, Map<String, Integer> seen) {
      Map<String, Object> props = new HashMap<>();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestBroker.bootstrapServers());
      props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + topic);
      props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      props.put(
          ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      props.put(
          ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      this.consumer = new KafkaConsumer<>(props);
      this.seen = seen;
      consumer.subscribe(List.of(topic));
    }

    int poll() {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        Header id = r.headers().lastHeader("mq-id");
        seen.merge(new String(id.value(), StandardCharsets.UTF_8), 1, Integer::sum);
      }
      return seen.size();
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
