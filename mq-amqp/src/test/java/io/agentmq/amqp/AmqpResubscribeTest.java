package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.RetryPolicy;
import io.agentmq.api.Subscriber;
import io.agentmq.api.SubscriberStatus;
import io.agentmq.api.Subscription;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A RabbitMQ subscriber whose channel the broker closes, or whose consumer it cancels, consumes
 * again by itself, reporting DOWN with the cause until it does.
 */
class AmqpResubscribeTest {

  private static String topic() {
    return "resub-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static MessageQueue amqp() {
    return MessageQueue.create(AmqpTestBroker.configure(MqConfig.builder()).build());
  }

  private static Connection raw() throws Exception {
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(AmqpTestBroker.url());
    return factory.newConnection("resubscribe-test");
  }

  private static long detail(Subscriber subscriber, String key) {
    return ((Number) subscriber.status().details().get(key)).longValue();
  }

  private static List<String> send(Producer producer, String topic, int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(producer.sendAndWait(topic, Message.ofText("after-" + i)).messageId());
    }
    return ids;
  }

  @Test
  @Timeout(60)
  @DisplayName(
      "when its queue is deleted, reports DOWN naming the cancelled consumer and each failed"
          + " attempt, then declares the queue again, consumes, and loses nothing sent after")
  void queueDeleted() throws Exception {
    String topic = topic();
    String group = "readers";
    String queueName = topic + "." + group;
    try (MessageQueue queue = amqp();
        Connection raw = raw()) {
      Set<String> got = ConcurrentHashMap.newKeySet();
      Subscriber subscriber = queue.subscribe(topic, group, d -> got.add(d.id()));
      Producer producer = queue.createProducer();
      List<String> before = send(producer, topic, 5);
      await().atMost(Duration.ofSeconds(10)).until(() -> got.containsAll(before));
      assertThat(subscriber.status().isUp()).isTrue();

      Channel other = raw.createChannel();
      other.queueDelete(queueName);
      // Another connection holds the name exclusively: re-declaring it is refused until it goes.
      other.queueDeclare(queueName, false, true, false, null);

      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(subscriber.status().problem())
                      .hasValueSatisfying(
                          p ->
                              assertThat(p)
                                  .contains("RabbitMQ cancelled the consumer of queue " + queueName)
                                  .containsPattern("resubscribing, attempt ([2-9]|[1-9][0-9]+)")
                                  .contains("RESOURCE_LOCKED")));
      assertThat(subscriber.health().isUp()).isFalse();
      assertThat(queue.health().isUp()).isFalse();

      other.queueDelete(queueName);
      await().atMost(Duration.ofSeconds(20)).until(() -> subscriber.status().isUp());
      SubscriberStatus status = subscriber.status();
      assertThat(status.details())
          .containsEntry("resubscriptions", 1L)
          .containsEntry(
              "lastChannelLoss",
              "RabbitMQ cancelled the consumer of queue "
                  + queueName
                  + " (the queue was deleted or is unavailable)");

      List<String> after = send(producer, topic, 50);
      await().atMost(Duration.ofSeconds(20)).until(() -> got.containsAll(after));
      assertThat(got).containsAll(after).hasSize(before.size() + after.size());
    } finally {
      try (MessageQueue queue = amqp()) {
        queue.admin().deleteTopic(topic);
      }
    }
  }

  @Test
  @Timeout(30)
  @DisplayName("does not consume again after close(): its own close is not a lost channel")
  void closeDoesNotResubscribe() throws Exception {
    String topic = topic();
    String queueName = topic + ".closers";
    try (MessageQueue queue = amqp();
        Connection raw = raw()) {
      Subscriber subscriber = queue.subscribe(topic, "closers", d -> {});
      Channel other = raw.createChannel();
      assertThat(other.queueDeclarePassive(queueName).getConsumerCount()).isEqualTo(1);

      subscriber.close();

      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(5))
          .until(() -> other.queueDeclarePassive(queueName).getConsumerCount() == 0);
      assertThat(subscriber.status().problem()).hasValue("closed");
      assertThat(subscriber.status().details()).containsEntry("resubscriptions", 0L);
      queue.admin().deleteTopic(topic);
    }
  }

  @Test
  @Timeout(60)
  @DisplayName(
      "a handler outlasting RabbitMQ's consumer_timeout: the broker closes the channel, the"
          + " subscriber consumes again, the message comes again and is handled, the messages"
          + " behind it follow, nothing lost, the stale ack dropped")
  void handlerOutlastsConsumerTimeout() throws Exception {
    assumeTrue(
        BrokerSetting.controllable(),
        "needs the local RabbitMQ and rabbitmqctl (AMQP_URL points elsewhere or rabbitmqctl is"
            + " missing)");
    String topic = topic();
    Map<String, Integer> handled = new ConcurrentHashMap<>();
    CountDownLatch release = new CountDownLatch(1);
    Message slow = Message.of("k", "slow".getBytes(StandardCharsets.UTF_8));
    try (MessageQueue queue = amqp()) {
      // RabbitMQ 3.10 checks consumer_timeout when a channel ticks (channel_tick_interval,
      // 60 s by default, read again at each tick) and reads the timeout when a channel opens.
      try (BrokerSetting tick = BrokerSetting.set("channel_tick_interval", 200)) {
        Subscriber subscriber;
        try (BrokerSetting timeout = BrokerSetting.set("consumer_timeout", 2_000)) {
          subscriber =
              queue.subscribe(
                  Subscription.to(topic)
                      .group("slow-readers")
                      .concurrency(1)
                      .handler(
                          d -> {
                            int n = handled.merge(d.id(), 1, Integer::sum);
                            if (d.id().equals(slow.id()) && n == 1) {
                              // Held until the subscriber has consumed again on a new channel.
                              release.await(40, TimeUnit.SECONDS);
                            }
                          })
                      .build());
        } // put back at once: only this subscriber's first channel has the short timeout
        Producer producer = queue.createProducer();
        producer.sendAndWait(topic, slow);
        List<String> behind = send(producer, topic, 20);

        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> detail(subscriber, "resubscriptions") >= 1);
        release.countDown();

        List<String> sent = new ArrayList<>(behind);
        sent.add(slow.id());
        await().atMost(Duration.ofSeconds(20)).until(() -> handled.keySet().containsAll(sent));
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.status().isUp());
        SubscriberStatus status = subscriber.status();
        assertThat(handled).containsOnlyKeys(sent);
        assertThat(handled.get(slow.id())).isEqualTo(2); // first delivery, then the redelivery
        assertThat((String) status.details().get("lastChannelLoss"))
            .startsWith(
                "channel closed by RabbitMQ: PRECONDITION_FAILED - delivery acknowledgement")
            .contains("timed out");
        assertThat(((Number) status.details().get("settlementsDropped")).longValue())
            .as("the ack of the first delivery, whose channel was gone")
            .isGreaterThanOrEqualTo(1);
        assertThat(status.details()).containsEntry("resubscriptions", 1L);
      } finally {
        release.countDown();
        queue.admin().deleteTopic(topic);
      }
    }
  }

  @Test
  @Timeout(60)
  @DisplayName(
      "a retry backing off past RabbitMQ's consumer_timeout: the broker closes the channel, the"
          + " lane stops waiting for the lost delivery, which comes again on the new channel and"
          + " is handled long before the backoff would have ended; nothing lost")
  void retryBackoffOutlastsConsumerTimeout() throws Exception {
    assumeTrue(
        BrokerSetting.controllable(),
        "needs the local RabbitMQ and rabbitmqctl (AMQP_URL points elsewhere or rabbitmqctl is"
            + " missing)");
    String topic = topic();
    Map<String, Integer> calls = new ConcurrentHashMap<>();
    Set<String> done = ConcurrentHashMap.newKeySet();
    Message failing = Message.of("k", "fails once".getBytes(StandardCharsets.UTF_8));
    try (MessageQueue queue = amqp()) {
      try (BrokerSetting tick = BrokerSetting.set("channel_tick_interval", 200)) {
        Subscriber subscriber;
        try (BrokerSetting timeout = BrokerSetting.set("consumer_timeout", 2_000)) {
          subscriber =
              queue.subscribe(
                  Subscription.to(topic)
                      .group("retriers")
                      .concurrency(1)
                      // The lane would hold the delivery at least 32 s (40 s, jitter 20%).
                      .retryPolicy(
                          RetryPolicy.ofRetries(3)
                              .withBackoff(Duration.ofSeconds(40), Duration.ofSeconds(40)))
                      .handler(
                          d -> {
                            int n = calls.merge(d.id(), 1, Integer::sum);
                            if (d.id().equals(failing.id()) && n == 1) {
                              throw new IllegalStateException("the first attempt fails");
                            }
                            done.add(d.id());
                          })
                      .build());
        }
        Producer producer = queue.createProducer();
        producer.sendAndWait(topic, failing);
        List<String> sent = new ArrayList<>(send(producer, topic, 20));
        sent.add(failing.id());

        await().atMost(Duration.ofSeconds(20)).until(() -> done.containsAll(sent));
        SubscriberStatus status = subscriber.status();
        assertThat(done).containsExactlyInAnyOrderElementsOf(sent);
        assertThat(calls.get(failing.id())).isEqualTo(2);
        assertThat(status.details()).containsEntry("resubscriptions", 1L);
        assertThat((String) status.details().get("lastChannelLoss"))
            .startsWith(
                "channel closed by RabbitMQ: PRECONDITION_FAILED - delivery acknowledgement");
        assertThat(((Number) status.details().get("deliveriesSkipped")).longValue())
            .as("the delivery whose retry was waiting, given up when its channel was lost")
            .isGreaterThanOrEqualTo(1);
      } finally {
        queue.admin().deleteTopic(topic);
      }
    }
  }

  /**
   * One setting of the local broker's {@code rabbit} application, changed at run time with {@code
   * rabbitmqctl eval} and put back as it was (or unset, if it was) on close.
   */
  private static final class BrokerSetting implements AutoCloseable {
    private static final Pattern OK = Pattern.compile("\\{ok,(.+)}");

    private final String key;
    private final String previous;

    private BrokerSetting(String key, String previous) {
      this.key = key;
      this.previous = previous;
    }

    static boolean controllable() {
      try {
        return System.getenv("AMQP_URL") == null
            && new ProcessBuilder("rabbitmqctl", "status").start().waitFor() == 0;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    static BrokerSetting set(String key, long value) throws Exception {
      String now = eval("application:get_env(rabbit, " + key + ").");
      Matcher ok = OK.matcher(now);
      BrokerSetting setting = new BrokerSetting(key, ok.matches() ? ok.group(1) : null);
      assertThat(now).as(key).matches("undefined|\\{ok,.+}");
      eval("application:set_env(rabbit, " + key + ", " + value + ").");
      return setting;
    }

    @Override
    public void close() throws Exception {
      eval(
          previous == null
              ? "application:unset_env(rabbit, " + key + ")."
              : "application:set_env(rabbit, " + key + ", " + previous + ").");
    }

    private static String eval(String expression) throws Exception {
      Process p = new ProcessBuilder("rabbitmqctl", "eval", expression).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("rabbitmqctl eval " + expression).isTrue();
      assertThat(p.exitValue()).as("rabbitmqctl eval " + expression + ": " + out).isZero();
      return out;
    }
  }
}
