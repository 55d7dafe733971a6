package io.agentmq.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import io.agentmq.api.TopicSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A Kafka subscriber whose poll loop dies of a fatal client error, on a real broker. */
class KafkaLoopRestartTest {

  @Test
  @Timeout(180)
  @DisplayName(
      "starts a new poll loop after its client is fenced by another member with the same static"
          + " group.instance.id, reports DOWN with the cause until then, and handles what is sent"
          + " afterwards")
  void restartsAFencedPollLoop() {
    String topic = "loop-restart-" + UUID.randomUUID().toString().substring(0, 8);
    String group = "restarting";
    String instance = "instance-" + UUID.randomUUID().toString().substring(0, 8);
    Set<String> handled = ConcurrentHashMap.newKeySet();
    List<String> reported = new CopyOnWriteArrayList<>();
    try (MessageQueue queue =
        MessageQueue.create(
            KafkaTestBroker.configure(MqConfig.builder())
                .set("kafka.client.group.instance.id", instance)
                .set("kafka.client.session.timeout.ms", "6000")
                .set("kafka.client.heartbeat.interval.ms", "500")
                .build())) {
      queue.admin().createTopic(TopicSpec.of(topic, 1));
      Subscriber subscriber =
          queue.subscribe(
              Subscription.to(topic)
                  .group(group)
                  .handler(d -> handled.add(d.message().id()))
                  .build());
      String first = queue.createProducer().sendAndWait(topic, Message.ofText("a")).messageId();
      await().atMost(Duration.ofSeconds(60)).until(() -> handled.contains(first));

      // Another member registers the same static instance id: the coordinator fences ours.
      try (KafkaConsumer<byte[], byte[]> intruder =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  KafkaTestBroker.bootstrapServers(),
                  ConsumerConfig.GROUP_ID_CONFIG,
                  group,
                  ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
                  instance,
                  ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                  "6000",
                  ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                  ByteArrayDeserializer.class,
                  ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                  ByteArrayDeserializer.class))) {
        intruder.subscribe(List.of(topic));
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(20))
            .until(
                () -> {
                  intruder.poll(Duration.ofMillis(100));
                  subscriber.status().problem().ifPresent(reported::add);
                  return reported.stream().anyMatch(p -> p.contains("starting a new one"));
                });
      } catch (org.apache.kafka.common.KafkaException fencedInTurn) {
        // The restarted loop may fence the intruder while it polls: that is the point.
      }
      assertThat(reported)
          .anySatisfy(
              p ->
                  assertThat(p)
                      .contains("poll loop failed")
                      .contains("FencedInstanceIdException")
                      .contains("starting a new one in 100 ms, attempt 1"));

      await().atMost(Duration.ofSeconds(90)).until(() -> subscriber.status().problem().isEmpty());
      String after = queue.createProducer().sendAndWait(topic, Message.ofText("b")).messageId();
      await().atMost(Duration.ofSeconds(90)).until(() -> handled.contains(after));
      assertThat(subscriber.status().problem()).isEmpty();
    }
  }
}
