package io.agentmq.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.ConfigException;
import io.agentmq.api.Delivery;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.StartPosition;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import io.agentmq.api.TopicSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** What only the memory backend has: bounded partitions, its settings, and provider lookup. */
class MemoryBackendTest {

  private static MessageQueue open(String capacity, String sendTimeoutMs) {
    return MessageQueue.create(
        MqConfig.builder()
            .brokerType("memory")
            .set("memory.partition_capacity", capacity)
            .set(MqConfig.SEND_TIMEOUT_MS, sendTimeoutMs)
            .build());
  }

  @Nested
  @DisplayName("bounded memory")
  class BackPressure {

    @Test
    @DisplayName(
        "makes a sender wait while a group has not acknowledged a full partition, then"
            + " fails clearly after the send timeout; nothing is lost")
    void fullPartitionBlocksThenFails() {
      try (MessageQueue queue = open("10", "300")) {
        queue.admin().createTopic(TopicSpec.of("bp", 1));
        List<Delivery> got = new CopyOnWriteArrayList<>();
        Subscriber consumer = queue.subscribe("bp", "slow", got::add);
        consumer.pause();
        Producer producer = queue.createProducer();
        for (int i = 0; i < 10; i++) {
          producer.sendAndWait("bp", Message.ofText("m" + i));
        }

        long start = System.nanoTime();
        CompletableFuture<?> eleventh = producer.send("bp", Message.ofText("m10"));
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(waitedMs).isGreaterThanOrEqualTo(250);
        assertThat(eleventh).isCompletedExceptionally();
        assertThatThrownBy(eleventh::join)
            .cause()
            .isInstanceOf(MessagingException.class)
            .hasMessageContaining("'bp' partition 0 is full")
            .hasMessageContaining("memory.partition_capacity = 10")
            .hasMessageContaining("slow (10 unacknowledged)")
            .satisfies(e -> assertThat(((MessagingException) e).isRetriable()).isTrue());
        consumer.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 10);
        producer.sendAndWait("bp", Message.ofText("m10"));
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 11);
      }
    }

    @Test
    @DisplayName("lets a waiting sender through as soon as the group acknowledges")
    void waitingSenderResumes() throws Exception {
      try (MessageQueue queue = open("4", "10000")) {
        queue.admin().createTopic(TopicSpec.of("bp2", 1));
        CountDownLatch release = new CountDownLatch(1);
        List<Delivery> got = new CopyOnWriteArrayList<>();
        queue.subscribe(
            "bp2",
            "gated",
            d -> {
              release.await();
              got.add(d);
            });
        Producer producer = queue.createProducer();
        for (int i = 0; i < 4; i++) {
          producer.sendAndWait("bp2", Message.ofText("m" + i));
        }
        CompletableFuture<?> fifth =
            CompletableFuture.runAsync(() -> producer.sendAndWait("bp2", Message.ofText("m4")));
        await()
            .during(Duration.ofMillis(200))
            .atMost(Duration.ofSeconds(10))
            .until(() -> !fifth.isDone());

        release.countDown();

        fifth.get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 5);
      }
    }

    @Test
    @DisplayName("frees the room a closed group held when the group is deleted")
    void deletedGroupReleasesRoom() {
      try (MessageQueue queue = open("5", "200")) {
        queue.admin().createTopic(TopicSpec.of("abandoned", 1));
        Subscriber consumer = queue.subscribe("abandoned", "gone", d -> {});
        consumer.pause();
        Producer producer = queue.createProducer();
        for (int i = 0; i < 5; i++) {
          producer.sendAndWait("abandoned", Message.ofText("m" + i));
        }
        consumer.close();
        assertThat(producer.send("abandoned", Message.ofText("blocked")))
            .isCompletedExceptionally();

        assertThat(queue.admin().deleteGroup("gone")).isTrue();

        assertThat(producer.send("abandoned", Message.ofText("free"))).isCompleted();
      }
    }

    @Test
    @DisplayName("keeps the newest messages of a partition no group reads, for a later group")
    void retentionWithoutGroups() {
      try (MessageQueue queue = open("10", "1000")) {
        queue.admin().createTopic(TopicSpec.of("history", 1));
        Producer producer = queue.createProducer();
        for (int i = 0; i < 25; i++) {
          producer.sendAndWait("history", Message.ofText("m" + i));
        }
        List<String> got = new CopyOnWriteArrayList<>();

        queue.subscribe(
            Subscription.to("history")
                .group("late")
                .startFrom(StartPosition.EARLIEST)
                .handler(d -> got.add(d.message().payloadAsText()))
                .build());

        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 10);
        assertThat(got)
            .containsExactly("m15", "m16", "m17", "m18", "m19", "m20", "m21", "m22", "m23", "m24");
      }
    }
  }

  @Nested
  @DisplayName("configuration and discovery")
  class Discovery {

    @Test
    @DisplayName("is found through ServiceLoader by MQ_BROKER_TYPE=memory")
    void foundByName() {
      MqConfig config = MqConfig.builder().environment(Map.of("MQ_BROKER_TYPE", "memory")).build();

      try (MessageQueue queue = MessageQueue.create(config)) {
        assertThat(queue.backend()).isEqualTo("memory");
        assertThat(queue.health().isUp()).isTrue();
      }
    }

    @Test
    @DisplayName(
        "fails for a backend that is not installed, listing installed ones and the"
            + " artifact to add")
    void unknownBackend() {
      MqConfig kafka = MqConfig.builder().environment(Map.of("MQ_BROKER_TYPE", "kafka")).build();
      MqConfig nats = MqConfig.builder().brokerType("nats").build();

      assertThatThrownBy(() -> MessageQueue.create(kafka))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("no AgentMQ backend named 'kafka' is installed")
          .hasMessageContaining("environment variable MQ_BROKER_TYPE")
          .hasMessageContaining("installed: memory")
          .hasMessageContaining("add the dependency io.agentmq:mq-kafka");
      assertThatThrownBy(() -> MessageQueue.create(nats))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("installed: memory")
          .hasMessageContaining("io.agentmq:mq-amqp");
    }

    @Test
    @DisplayName("rejects a bad or unknown memory.* setting at start")
    void badMemorySettings() {
      MqConfig config =
          MqConfig.builder()
              .brokerType("memory")
              .set("memory.partition_capacity", "0")
              .set("memory.capacity", "5")
              .build();

      assertThatThrownBy(() -> MessageQueue.create(config))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("'memory.partition_capacity' = '0' (override) is not accepted")
          .hasMessageContaining("unknown key 'memory.capacity'");
    }
  }
}
