package io.agentmq.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import io.agentmq.api.TopicSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A handler slower than Kafka's max.poll.interval.ms, on a real broker. */
class KafkaSlowHandlerTest {

  @Test
  @Timeout(120)
  @DisplayName(
      "keeps its partitions while a handler runs three times kafka.max_poll_interval_ms: the"
          + " message is handled once, the partition is never reassigned, and the messages behind"
          + " it follow")
  void handlerOutlastsMaxPollInterval() {
    String topic = "slow-handler-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Integer> handled = new ConcurrentHashMap<>();
    List<String> assignments = new CopyOnWriteArrayList<>();
    try (MessageQueue queue =
        MessageQueue.create(
            KafkaTestBroker.configure(MqConfig.builder())
                .set("kafka.max_poll_interval_ms", "3000")
                .set("kafka.client.session.timeout.ms", "6000")
                .set("kafka.client.heartbeat.interval.ms", "500")
                .build())) {
      queue.admin().createTopic(TopicSpec.of(topic, 1));
      Subscriber subscriber =
          queue.subscribe(
              Subscription.to(topic)
                  .group("slow")
                  .handler(
                      d -> {
                        String text = d.message().payloadAsText();
                        if (handled.merge(text, 1, Integer::sum) == 1 && text.equals("slow")) {
                          Thread.sleep(9_000); // three times the poll interval
                        }
                      })
                  .build());
      Producer producer = queue.createProducer();
      producer.sendAndWait(topic, Message.of("k", "slow".getBytes()));
      for (int i = 0; i < 20; i++) {
        producer.sendAndWait(topic, Message.of("k", ("next-" + i).getBytes()));
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                assignments.add(
                    String.valueOf(subscriber.status().details().get("assignedPartitions")));
                return handled.size() == 21;
              });
      assertThat(handled.get("slow")).isEqualTo(1);
      assertThat(handled.values()).allMatch(n -> n == 1);
      // Once assigned, the partition stays: no rebalance took it away while the handler ran.
      assertThat(assignments.stream().dropWhile(a -> a.equals("[]")).toList())
          .isNotEmpty()
          .allMatch(a -> a.equals("[" + topic + "-0]"));
    }
  }
}
