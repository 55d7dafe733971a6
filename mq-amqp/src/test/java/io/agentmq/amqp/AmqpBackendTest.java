package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.ConfigException;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Subscriber;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What only the RabbitMQ backend has: mandatory publishing, required groups, its settings. */
class AmqpBackendTest {

  private static String topic() {
    return "amqp-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  @DisplayName("fails a send no queue would take, instead of losing it, naming what to do")
  void unroutableSendFails() {
    try (MessageQueue queue =
        MessageQueue.create(
            MqConfig.builder()
                .environment(Map.of("MQ_BROKER_TYPE", "amqp", "AMQP_URL", AmqpTestBroker.url()))
                .build())) {
      String topic = topic();

      assertThatThrownBy(() -> queue.createProducer().sendAndWait(topic, Message.ofText("lost?")))
          .isInstanceOf(MessagingException.class)
          .hasMessageContaining("no queue is bound to topic '" + topic + "'")
          .hasMessageContaining("topics.<topic>.groups");
    }
  }

  @Test
  @DisplayName("keeps messages for a required group that subscribes after they were sent")
  void requiredGroupGetsEarlierMessages() {
    String topic = topic();
    try (MessageQueue queue =
        MessageQueue.create(
            AmqpTestBroker.configure(MqConfig.builder())
                .declareGroups(topic, List.of("auditors"))
                .build())) {
      String id = queue.createProducer().sendAndWait(topic, Message.ofText("early")).messageId();
      List<String> got = new CopyOnWriteArrayList<>();

      queue.subscribe(topic, "auditors", d -> got.add(d.id()));

      await().atMost(Duration.ofSeconds(10)).until(() -> got.contains(id));
    }
  }

  @Test
  @DisplayName("reports queue depth as lag while paused")
  void healthLag() {
    try (MessageQueue queue =
        MessageQueue.create(AmqpTestBroker.configure(MqConfig.builder()).build())) {
      String topic = topic();
      Subscriber consumer = queue.subscribe(topic, "lagging", d -> {});
      consumer.pause();
      var producer = queue.createProducer();
      for (int i = 0; i < 5; i++) {
        producer.sendAndWait(topic, Message.ofText("m" + i));
      }

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(consumer.health().details()).containsEntry("lag", 5L));
      assertThat(queue.health().isUp()).isTrue();
    }
  }

  @Test
  @DisplayName("fails clearly when RabbitMQ cannot be reached, never printing the password")
  void unreachable() {
    MqConfig config =
        MqConfig.builder()
            .brokerType("amqp")
            .set("amqp.url", "amqp://agent:s3cr3t-pw@127.0.0.1:1/prod")
            .build();

    assertThat(config.toString()).doesNotContain("s3cr3t-pw");
    assertThatThrownBy(() -> MessageQueue.create(config))
        .isInstanceOf(MessagingException.class)
        .hasMessageContaining("cannot connect to RabbitMQ at amqp://agent:****@127.0.0.1:1/prod")
        .hasMessageNotContaining("s3cr3t-pw");
  }

  @Test
  @DisplayName("rejects a bad queue type, naming the accepted ones")
  void badSettings() {
    MqConfig config =
        MqConfig.builder().brokerType("amqp").set("amqp.queue_type", "stream").build();

    assertThatThrownBy(() -> MessageQueue.create(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'amqp.queue_type' = 'stream'")
        .hasMessageContaining("classic or quorum");
  }
}
