package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A lane whose handler has been fast runs its deliveries on the channel's dispatch thread while it
 * is idle (see {@code LaneWorker#enqueue}); these tests hold that to what it promises: key order
 * across the switch between the two threads, and a slow handler call sending the lane back to its
 * own thread, so the channel's other lanes are held up by one slow call at most.
 */
@Timeout(120)
class AmqpLaneDispatchTest {

  /** Two keys on different lanes of a two-lane subscriber (lane = key hash modulo lanes). */
  private static final String KEY_A = "a";

  private static final String KEY_B = "b";

  private static MessageQueue amqp() {
    return MessageQueue.create(AmqpTestBroker.configure(MqConfig.builder()).build());
  }

  private static String topic() {
    return "lanes-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static Message message(String key, String text) {
    return Message.of(key, text.getBytes(StandardCharsets.UTF_8));
  }

  /** A payload's text, handled. */
  private interface TextHandler {
    void handle(String text) throws Exception;
  }

  /** Subscribes a consumer of two lanes whose handler is given each payload as text. */
  private static void subscribeTwoLanes(MessageQueue queue, String topic, TextHandler handler) {
    queue.subscribe(
        Subscription.to(topic)
            .group("lanes")
            .concurrency(2)
            .handler(d -> handler.handle(d.message().payloadAsText()))
            .build());
  }

  @Test
  @DisplayName(
      "after one slow handler call the lane's deliveries go to its own thread: a second slow call"
          + " does not hold up the other lane")
  void slowCallSendsTheLaneBackToItsThread() throws Exception {
    assertThat(Math.floorMod(KEY_A.hashCode(), 2)).isNotEqualTo(Math.floorMod(KEY_B.hashCode(), 2));
    String topic = topic();
    Set<String> handled = ConcurrentHashMap.newKeySet();
    CountDownLatch secondSlowStarted = new CountDownLatch(1);
    CountDownLatch releaseSecondSlow = new CountDownLatch(1);
    try (MessageQueue queue = amqp();
        Producer producer = queue.createProducer()) {
      subscribeTwoLanes(
          queue,
          topic,
          text -> {
            if (text.equals("slow-1")) {
              Thread.sleep(300);
            } else if (text.equals("slow-2")) {
              secondSlowStarted.countDown();
              releaseSecondSlow.await(60, TimeUnit.SECONDS);
            }
            handled.add(text);
          });
      // Many fast calls on both lanes: both may now run on the dispatch thread.
      for (int i = 0; i < 50; i++) {
        producer.sendAndWait(topic, message(KEY_A, "warm-a" + i));
        producer.sendAndWait(topic, message(KEY_B, "warm-b" + i));
      }
      await().until(() -> handled.size() == 100);
      producer.sendAndWait(topic, message(KEY_A, "slow-1"));
      await().until(() -> handled.contains("slow-1"));

      producer.sendAndWait(topic, message(KEY_A, "slow-2"));
      assertThat(secondSlowStarted.await(30, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 5; i++) {
        producer.sendAndWait(topic, message(KEY_B, "during-" + i));
      }

      // Lane B goes on while lane A's second slow call still runs.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> handled.containsAll(List.of("during-0", "during-4")));
      assertThat(handled).doesNotContain("slow-2");
      releaseSecondSlow.countDown();
      await().until(() -> handled.contains("slow-2"));
    }
  }

  @Test
  @DisplayName(
      "keeps key order while deliveries move between the dispatch thread and the lane's thread")
  void keyOrderAcrossTheSwitch() throws Exception {
    String topic = topic();
    List<String> seen = new CopyOnWriteArrayList<>();
    try (MessageQueue queue = amqp();
        Producer producer = queue.createProducer()) {
      subscribeTwoLanes(
          queue,
          topic,
          text -> {
            int n = Integer.parseInt(text.substring(text.indexOf('-') + 1));
            if (n % 97 == 50) {
              Thread.sleep(5); // now and then a slow call: back to the lane's thread
            }
            seen.add(text);
          });
      int count = 2_000;
      for (int i = 0; i < count; i++) {
        producer.send(topic, message(i % 2 == 0 ? KEY_A : KEY_B, (i % 2 == 0 ? "a-" : "b-") + i));
      }
      producer.flush();

      await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() == count);
      assertThat(numbersOf(seen, "a-")).hasSize(count / 2).isSorted();
      assertThat(numbersOf(seen, "b-")).hasSize(count / 2).isSorted();
    }
  }

  /** The numbers of the texts with {@code prefix}, in the order they were handled. */
  private static List<Integer> numbersOf(List<String> texts, String prefix) {
    return texts.stream()
        .filter(t -> t.startsWith(prefix))
        .map(t -> Integer.parseInt(t.substring(prefix.length())))
        .toList();
  }
}
