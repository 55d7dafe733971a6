package io.agentmq.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.DeliveryReport;
import io.agentmq.api.FailureClassifier;
import io.agentmq.api.Headers;
import io.agentmq.api.Health;
import io.agentmq.api.InvalidMessageException;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import io.agentmq.api.NonRetryableException;
import io.agentmq.api.Producer;
import io.agentmq.api.RetryPolicy;
import io.agentmq.api.StartPosition;
import io.agentmq.api.Subscriber;
import io.agentmq.api.SubscriberStatus;
import io.agentmq.api.Subscription;
import io.agentmq.api.TopicSpec;
import io.agentmq.api.crypto.KeyRing;
import io.agentmq.api.crypto.PayloadCipher;
import io.agentmq.api.crypto.PayloadDecryptionException;
import io.agentmq.tck.Capabilities.Capability;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AgentMQ contract. A backend runs it by extending this class once, saying how to reach its
 * broker ({@link #configure}) and what it supports ({@link #capabilities()}).
 *
 * <p>Every test uses its own topics and groups, so one broker serves the whole run. Tests that need
 * a capability the backend lacks are skipped with the reason printed.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public abstract class MessageQueueConformanceSuite {

  private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
  private final List<String> createdTopics = new CopyOnWriteArrayList<>();

  /** What the backend under test supports. */
  protected abstract Capabilities capabilities();

  /** Sets {@code broker_type} and whatever the backend needs to reach its broker. */
  protected abstract MqConfig.Builder configure(MqConfig.Builder builder);

  /** Opens a queue with the suite's settings plus {@code extra}; closed after the test. */
  protected MessageQueue open(UnaryOperator<MqConfig.Builder> extra) {
    MqConfig.Builder builder =
        configure(MqConfig.builder())
            .maxRetries(3)
            .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
            .set(MqConfig.TOPIC_DEFAULT_PARTITIONS, "4")
            .set(MqConfig.CONSUMER_CLOSE_TIMEOUT_MS, "10000");
    MessageQueue queue = MessageQueue.create(extra.apply(builder).build());
    resources.add(queue);
    return queue;
  }

  protected MessageQueue open() {
    return open(b -> b);
  }

  /**
   * Whether the topics a test created (and their dead-letter topics) are deleted after it: for
   * brokers that keep topics across test runs, such as a shared RabbitMQ.
   */
  protected boolean deletesTopicsAfterEachTest() {
    return false;
  }

  /**
   * The replication factor a topic created with the broker's default gets: 1 on a single node; a
   * cluster's test says its {@code default.replication.factor}.
   */
  protected int brokerDefaultReplication() {
    return 1;
  }

  @AfterEach
  void closeResources() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
    resources.clear();
    List<String> created = new ArrayList<>(createdTopics);
    createdTopics.clear();
    if (deletesTopicsAfterEachTest() && !created.isEmpty()) {
      try (MessageQueue queue = MessageQueue.create(configure(MqConfig.builder()).build())) {
        for (String topic : created) {
          queue.admin().deleteTopic(topic);
          queue.admin().deleteTopic(topic + DeadLetterPolicy.SUFFIX);
        }
      }
    }
  }

  /** Everything that reaches {@code topic}'s dead-letter topic from now on, read by a new group. */
  private Inbox deadLetters(MessageQueue queue, String topic) {
    Inbox deadLetters = new Inbox();
    subscribe(
        queue, sub(DeadLetterPolicy.deadLetterTopic(topic), newGroup("dlq-reader"), deadLetters));
    return deadLetters;
  }

  /** A topic name no other test uses. */
  protected String newTopic(String purpose) {
    String topic = "tck-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
    createdTopics.add(topic);
    return topic;
  }

  protected static String newGroup(String purpose) {
    return "g-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Sends {@code n} messages ({@code m0}, {@code m1}...) and returns their ids in order. */
  protected static List<String> sendAll(Producer producer, String topic, int n) {
    List<CompletableFuture<DeliveryReport>> futures = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      futures.add(producer.send(topic, Message.of(bytes("m" + i))));
    }
    List<String> ids = new ArrayList<>(n);
    for (CompletableFuture<DeliveryReport> f : futures) {
      ids.add(f.join().messageId());
    }
    return ids;
  }

  private Subscriber subscribe(MessageQueue queue, Subscription.Builder subscription) {
    return queue.subscribe(subscription.build());
  }

  private static Subscription.Builder sub(String topic, String group, Inbox inbox) {
    return Subscription.to(topic).group(group).handler(inbox.handler());
  }

  /** Keeps waiting {@code quiet} and asserts the count stays as it is. */
  private static void assertStaysAt(Inbox inbox, int expected, Duration quiet) {
    await().during(quiet).atMost(quiet.plusSeconds(30)).until(() -> inbox.size() == expected);
  }

  @Nested
  @DisplayName("publish and subscribe")
  class PublishSubscribe {

    @Test
    @DisplayName("delivers a message with its id, key, headers and payload intact")
    void roundTrip() {
      MessageQueue queue = open();
      String topic = newTopic("roundtrip");
      Inbox inbox = new Inbox();
      subscribe(queue, sub(topic, newGroup("rt"), inbox));
      Message sent =
          Message.builder(new byte[] {0, 1, 2, (byte) 0xFF, 127})
              .id("id-" + UUID.randomUUID())
              .key("order-42")
              .header(Headers.TYPE, "agentmq.v1.ChangeRequest")
              .header(Headers.CORRELATION_ID, "corr-1")
              .header("x-custom", "ünïcödé")
              .build();

      DeliveryReport report = queue.createProducer().sendAndWait(topic, sent);

      assertThat(report.topic()).isEqualTo(topic);
      assertThat(report.messageId()).isEqualTo(sent.id());
      Delivery got = inbox.awaitAtLeast(1).deliveries().get(0);
      assertThat(got.id()).isEqualTo(sent.id());
      assertThat(got.key()).contains("order-42");
      assertThat(got.payload()).containsExactly(0, 1, 2, 0xFF, 127);
      assertThat(got.message().headers()).containsAllEntriesOf(sent.headers());
      assertThat(got.message().timestampMillis())
          .isEqualTo(
              capabilities().has(Capability.MILLISECOND_TIMESTAMPS)
                  ? sent.timestampMillis()
                  : sent.timestampMillis() / 1000 * 1000);
      assertThat(got.topic()).isEqualTo(topic);
      assertThat(got.attempt()).isEqualTo(1);
      assertStaysAt(inbox, 1, Duration.ofMillis(200));
    }

    @Test
    @DisplayName("delivers an empty payload as empty")
    void emptyPayload() {
      MessageQueue queue = open();
      String topic = newTopic("empty");
      Inbox inbox = new Inbox();
      subscribe(queue, sub(topic, newGroup("empty"), inbox));

      String id = queue.createProducer().sendAndWait(topic, Message.of(new byte[0])).messageId();

      Delivery got = inbox.awaitAtLeast(1).deliveries().get(0);
      assertThat(got.id()).isEqualTo(id);
      assertThat(got.payload()).isEmpty();
    }

    @Test
    @DisplayName("keeps 20 topics of 100 messages apart")
    void noCrossTopicLeakage() {
      MessageQueue queue = open();
      Producer producer = queue.createProducer();
      Map<String, Inbox> inboxes = new HashMap<>();
      Map<String, List<String>> sent = new HashMap<>();
      for (int t = 0; t < 20; t++) {
        String topic = newTopic("leak" + t);
        Inbox inbox = new Inbox();
        inboxes.put(topic, inbox);
        subscribe(queue, sub(topic, newGroup("leak"), inbox));
      }
      inboxes.keySet().forEach(topic -> sent.put(topic, sendAll(producer, topic, 100)));

      inboxes.forEach(
          (topic, inbox) -> {
            inbox.awaitIds(new HashSet<>(sent.get(topic)));
            assertThat(inbox.ids()).containsExactlyInAnyOrderElementsOf(sent.get(topic));
            assertThat(inbox.deliveries()).allMatch(d -> d.topic().equals(topic));
          });
    }

    @Test
    @DisplayName("receives every message of 20 threads sending 500 each")
    void concurrentProducers() throws Exception {
      MessageQueue queue = open();
      String topic = newTopic("concurrent");
      Inbox inbox = new Inbox();
      subscribe(queue, sub(topic, newGroup("conc"), inbox).concurrency(4));
      Producer producer = queue.createProducer();
      Set<String> sent = ConcurrentHashMap.newKeySet();
      ExecutorService pool = Executors.newFixedThreadPool(20);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 20; t++) {
          done.add(
              pool.submit(
                  () -> {
                    start.await();
                    sent.addAll(sendAll(producer, topic, 500));
                    return null;
                  }));
        }
        start.countDown();
        for (java.util.concurrent.Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }

      assertThat(sent).hasSize(10_000);
      inbox.awaitIds(sent);
      assertThat(inbox.size()).isEqualTo(10_000);
      assertThat(inbox.duplicates()).isZero();
    }

    @Test
    @DisplayName(
        "completes every future and delivers everything when a producer closes after"
            + " 10k async sends")
    void closeFlushes() {
      MessageQueue queue = open();
      String topic = newTopic("flush");
      Inbox inbox = new Inbox();
      subscribe(queue, sub(topic, newGroup("flush"), inbox).concurrency(2));
      Producer producer = queue.createProducer();
      List<CompletableFuture<DeliveryReport>> futures = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        futures.add(producer.send(topic, Message.of(bytes("f" + i))));
      }

      producer.close();

      assertThat(futures).allMatch(CompletableFuture::isDone);
      assertThat(futures).noneMatch(CompletableFuture::isCompletedExceptionally);
      Set<String> ids = new HashSet<>();
      futures.forEach(f -> ids.add(f.join().messageId()));
      inbox.awaitIds(ids);
      assertThat(inbox.size()).isEqualTo(10_000);
    }

    @Test
    @DisplayName("handles messages with an async handler completing on another thread")
    void asyncHandler() {
      MessageQueue queue = open();
      String topic = newTopic("async");
      Inbox inbox = new Inbox();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      resources.add(pool::shutdownNow);
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("async"))
              .asyncHandler(d -> CompletableFuture.runAsync(() -> inbox.add(d), pool)));

      List<String> sent = sendAll(queue.createProducer(), topic, 500);

      inbox.awaitIds(new HashSet<>(sent));
      assertStaysAt(inbox, 500, Duration.ofMillis(200));
    }

    @Test
    @DisplayName(
        "calls an async handler allowed several unfinished deliveries in key order, and leaves"
            + " nothing unacknowledged when completions come out of order and one fails")
    void asyncHandlerWithMaxInFlight() {
      assumeTrue(
          capabilities().has(Capability.ORDERED_PER_KEY), "backend declares no per-key order");
      MessageQueue queue = open();
      String topic = newTopic("inflight");
      String group = newGroup("inflight");
      ExecutorService pool = Executors.newFixedThreadPool(4);
      resources.add(pool::shutdownNow);
      Set<String> seen = ConcurrentHashMap.newKeySet();
      List<String> firstCalls = new CopyOnWriteArrayList<>();
      Set<String> failedOnce = ConcurrentHashMap.newKeySet();
      Inbox completed = new Inbox();
      Subscriber consumer =
          subscribe(
              queue,
              Subscription.to(topic)
                  .group(group)
                  .maxInFlight(32)
                  .asyncHandler(
                      d -> {
                        if (seen.add(d.id())) {
                          firstCalls.add(d.id());
                        }
                        // Completed by four threads: outcomes arrive out of order.
                        return CompletableFuture.runAsync(
                            () -> {
                              if (d.message().payloadAsText().equals("m100")
                                  && failedOnce.add(d.id())) {
                                throw new IllegalStateException("fails once");
                              }
                              completed.add(d);
                            },
                            pool);
                      }));
      Producer producer = queue.createProducer();
      List<CompletableFuture<DeliveryReport>> sends = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        sends.add(producer.send(topic, Message.of("k", bytes("m" + i))));
      }
      List<String> sent = new ArrayList<>();
      sends.forEach(f -> sent.add(f.join().messageId()));

      completed.awaitIds(new HashSet<>(sent));
      assertThat(firstCalls).containsExactlyElementsOf(sent);
      assertThat(failedOnce).hasSize(1);

      // Everything was acknowledged: the group's next consumer gets only what is sent after.
      consumer.close();
      Inbox next = new Inbox();
      subscribe(queue, sub(topic, group, next));
      String after = producer.sendAndWait(topic, Message.of("k", bytes("after"))).messageId();
      next.awaitIds(Set.of(after));
      assertStaysAt(next, 1, Duration.ofMillis(300));
    }

    @Test
    @DisplayName(
        "acknowledges an async handler's deliveries in order: those finished after one that never"
            + " finishes come again, with it, to the group's next consumer")
    void inOrderAcknowledgements() {
      assumeTrue(
          capabilities().has(Capability.PIPELINED_ASYNC_HANDLERS),
          "backend hands an async handler one delivery at a time");
      MessageQueue first = open(b -> b.set(MqConfig.CONSUMER_CLOSE_TIMEOUT_MS, "500"));
      String topic = newTopic("inorder");
      String group = newGroup("inorder");
      Inbox finished = new Inbox();
      Subscriber consumer =
          subscribe(
              first,
              Subscription.to(topic)
                  .group(group)
                  .maxInFlight(8)
                  .asyncHandler(
                      d ->
                          d.message().payloadAsText().equals("m0")
                              ? new CompletableFuture<Void>() // never finishes
                              : CompletableFuture.runAsync(() -> finished.add(d))));
      Producer producer = first.createProducer();
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        sent.add(producer.sendAndWait(topic, Message.of("k", bytes("m" + i))).messageId());
      }
      finished.awaitIds(new HashSet<>(sent.subList(1, 5)));

      consumer.close(); // gives up on m0 after consumer.close_timeout_ms

      Inbox next = new Inbox();
      subscribe(open(), sub(topic, group, next));
      next.awaitIds(new HashSet<>(sent));
      assertThat(next.deliveries()).extracting(Delivery::id).containsExactlyElementsOf(sent);
    }
  }

  @Nested
  @DisplayName("consumer groups")
  class Groups {

    @Test
    @DisplayName("shares a topic between two consumers of one group, without loss or duplicates")
    void competingConsumers() {
      assumeTrue(
          capabilities().has(Capability.CONSUMER_GROUPS), "backend declares no consumer groups");
      MessageQueue queue = open();
      String topic = newTopic("compete");
      String group = newGroup("compete");
      Inbox first = new Inbox();
      Inbox second = new Inbox();
      Inbox all = new Inbox();
      subscribe(queue, Subscription.to(topic).group(group).handler(slowly(first, all)));
      subscribe(queue, Subscription.to(topic).group(group).handler(slowly(second, all)));

      // Distinct keys spread the messages over the partitions (a backend may batch unkeyed
      // messages into one partition, as Kafka's sticky partitioner does).
      Producer producer = queue.createProducer();
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        sent.add(producer.send(topic, Message.of("key-" + i, bytes("c" + i))).join().messageId());
      }

      all.awaitIds(new HashSet<>(sent));
      assertThat(all.size()).isEqualTo(200);
      assertThat(first.size()).isPositive();
      assertThat(second.size()).isPositive();
      assertThat(first.size() + second.size()).isEqualTo(200);
    }

    private io.agentmq.api.MessageHandler slowly(Inbox mine, Inbox all) {
      return d -> {
        Thread.sleep(2);
        mine.add(d);
        all.add(d);
      };
    }

    @Test
    @DisplayName("gives every message to each of two groups")
    void twoGroups() {
      MessageQueue queue = open();
      String topic = newTopic("twogroups");
      Inbox a = new Inbox();
      Inbox b = new Inbox();
      subscribe(queue, sub(topic, newGroup("a"), a));
      subscribe(queue, sub(topic, newGroup("b"), b));

      List<String> sent = sendAll(queue.createProducer(), topic, 300);

      a.awaitIds(new HashSet<>(sent));
      b.awaitIds(new HashSet<>(sent));
      assertThat(a.ids()).containsExactlyInAnyOrderElementsOf(sent);
      assertThat(b.ids()).containsExactlyInAnyOrderElementsOf(sent);
    }

    @Test
    @DisplayName("starts a new group at the earliest message when asked to")
    void newGroupEarliest() {
      assumeTrue(
          capabilities().has(Capability.NEW_GROUP_READS_HISTORY),
          "backend declares that a new group does not read history");
      MessageQueue queue = open();
      String topic = newTopic("earliest");
      queue.admin().createTopic(queue.config().topic(topic));
      List<String> before = sendAll(queue.createProducer(), topic, 50);
      Inbox inbox = new Inbox();

      subscribe(queue, sub(topic, newGroup("late"), inbox).startFrom(StartPosition.EARLIEST));

      inbox.awaitIds(new HashSet<>(before));
      assertThat(inbox.ids()).containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    @DisplayName("starts a new group after the last message when asked for the latest")
    void newGroupLatest() {
      MessageQueue queue = open();
      String topic = newTopic("latest");
      queue.admin().createTopic(queue.config().topic(topic));
      // A group that is there from the start, so the earlier messages have somewhere to go on
      // backends that refuse unroutable messages.
      subscribe(queue, sub(topic, newGroup("anchor"), new Inbox()));
      Producer producer = queue.createProducer();
      List<String> before = sendAll(producer, topic, 50);
      Inbox inbox = new Inbox();

      subscribe(queue, sub(topic, newGroup("latest"), inbox).startFrom(StartPosition.LATEST));
      List<String> after = sendAll(producer, topic, 20);

      inbox.awaitIds(new HashSet<>(after));
      assertStaysAt(inbox, 20, Duration.ofMillis(300));
      assertThat(inbox.ids()).doesNotContainAnyElementsOf(before);
    }

    @Test
    @DisplayName(
        "keeps a latest-starting group's start: messages sent while it has no consumer are"
            + " handled when one returns, even if the first consumer handled nothing")
    void newGroupLatestKeepsItsStart() {
      MessageQueue queue = open();
      String topic = newTopic("latest-kept");
      String group = newGroup("latest-kept");
      queue.admin().createTopic(queue.config().topic(topic));
      Producer producer = queue.createProducer();
      queue
          .subscribe(sub(topic, group, new Inbox()).startFrom(StartPosition.LATEST).build())
          .close();
      List<String> whileAway = sendAll(producer, topic, 20);
      Inbox inbox = new Inbox();

      subscribe(queue, sub(topic, group, inbox).startFrom(StartPosition.LATEST));

      inbox.awaitIds(new HashSet<>(whileAway));
      assertThat(inbox.ids()).containsExactlyInAnyOrderElementsOf(whileAway);
    }

    @Test
    @DisplayName(
        "resumes after the last acknowledged message, with no loss and no duplicates,"
            + " when a consumer closes mid-stream and another opens in the same group")
    void reopenInSameGroup() {
      MessageQueue queue = open();
      String topic = newTopic("reopen");
      String group = newGroup("reopen");
      Inbox inbox = new Inbox();
      CountDownLatch enough = new CountDownLatch(300);
      Subscriber first =
          queue.subscribe(
              Subscription.to(topic)
                  .group(group)
                  .handler(
                      d -> {
                        inbox.add(d);
                        enough.countDown();
                        Thread.sleep(1);
                      })
                  .build());
      List<String> sent = sendAll(queue.createProducer(), topic, 1000);
      await().atMost(Inbox.TIMEOUT).until(() -> enough.getCount() == 0);

      first.close();
      int beforeReopen = inbox.size();
      assertThat(beforeReopen).isLessThan(1000);
      subscribe(queue, sub(topic, group, inbox));

      inbox.awaitIds(new HashSet<>(sent));
      assertStaysAt(inbox, 1000, Duration.ofMillis(300));
      assertThat(inbox.duplicates()).isZero();
    }

    @Test
    @DisplayName(
        "redelivers to the next consumer of the group a message whose retry was pending"
            + " when its consumer closed")
    void pendingRetrySurvivesClose() {
      MessageQueue queue = open();
      String topic = newTopic("pending");
      String group = newGroup("pending");
      AtomicInteger attempts = new AtomicInteger();
      Subscriber failing =
          queue.subscribe(
              Subscription.to(topic)
                  .group(group)
                  .retryPolicy(
                      RetryPolicy.ofRetries(100)
                          .withBackoff(Duration.ofMillis(50), Duration.ofMillis(50)))
                  .handler(
                      d -> {
                        attempts.incrementAndGet();
                        throw new IllegalStateException("not yet");
                      })
                  .build());
      String id = queue.createProducer().sendAndWait(topic, Message.ofText("x")).messageId();
      await().atMost(Inbox.TIMEOUT).until(() -> attempts.get() >= 2);

      failing.close();
      Inbox inbox = new Inbox();
      subscribe(queue, sub(topic, group, inbox));

      inbox.awaitIds(Set.of(id));
      assertThat(inbox.ids()).containsExactly(id);
    }
  }

  @Nested
  @DisplayName("ordering")
  class Ordering {

    @Test
    @DisplayName("handles 1000 messages over 16 keys in publish order per key, with 4 threads")
    void perKeyOrder() {
      assumeTrue(
          capabilities().has(Capability.ORDERED_PER_KEY), "backend declares no per-key order");
      MessageQueue queue = open();
      String topic = newTopic("order");
      Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
      Inbox inbox = new Inbox();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("order"))
              .concurrency(4)
              .handler(
                  d -> {
                    seen.computeIfAbsent(
                            d.key().orElseThrow(),
                            k -> Collections.synchronizedList(new ArrayList<>()))
                        .add(Integer.parseInt(d.message().payloadAsText()));
                    inbox.add(d);
                  }));
      Producer producer = queue.createProducer();
      List<CompletableFuture<DeliveryReport>> futures = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        futures.add(
            producer.send(topic, Message.of("key-" + (i % 16), bytes(Integer.toString(i)))));
      }
      futures.forEach(CompletableFuture::join);

      inbox.awaitAtLeast(1000);
      assertThat(seen).hasSize(16);
      seen.forEach(
          (key, values) -> {
            int k = Integer.parseInt(key.substring(4));
            List<Integer> expected = new ArrayList<>();
            for (int i = k; i < 1000; i += 16) {
              expected.add(i);
            }
            assertThat(values).as("order of %s", key).containsExactlyElementsOf(expected);
          });
    }
  }

  @Nested
  @DisplayName("handler outcomes")
  class HandlerOutcomes {

    @Test
    @DisplayName("redelivers a message whose handler threw, until it succeeds")
    void redeliveredUntilSuccess() {
      MessageQueue queue = open();
      String topic = newTopic("redeliver");
      List<Integer> attempts = new CopyOnWriteArrayList<>();
      Inbox done = new Inbox();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("redeliver"))
              .handler(
                  d -> {
                    attempts.add(d.attempt());
                    if (d.attempt() < 3) {
                      throw new IllegalStateException("failing attempt " + d.attempt());
                    }
                    done.add(d);
                  }));

      String id = queue.createProducer().sendAndWait(topic, Message.ofText("retry me")).messageId();

      done.awaitIds(Set.of(id));
      assertThat(attempts).containsExactly(1, 2, 3);
      assertThat(done.deliveries().get(0).header(Headers.ATTEMPT)).contains("3");
      assertStaysAt(done, 1, Duration.ofMillis(200));
    }

    /** Retries after the first in place, then parked: 300 ms, 600 ms, 1.2 s without jitter. */
    private MessageQueue nonBlockingRetries() {
      return open(
          b ->
              b.maxRetries(3)
                  .set(MqConfig.RETRY_IN_PLACE, "1")
                  .set(MqConfig.RETRY_INITIAL_BACKOFF_MS, "300")
                  .set(MqConfig.RETRY_MAX_BACKOFF_MS, "5000")
                  .set(MqConfig.RETRY_JITTER, "0"));
    }

    @Test
    @DisplayName(
        "parks a failing message for its later retries: the messages of its key behind it go on"
            + " (per-key order does not hold for it), its attempts count on across the stages, and"
            + " it ends handled on its own topic")
    void nonBlockingRetry() {
      MessageQueue queue = nonBlockingRetries();
      String topic = newTopic("park");
      List<String> calls = new CopyOnWriteArrayList<>();
      List<String> handled = new CopyOnWriteArrayList<>();
      Set<String> seenAs = ConcurrentHashMap.newKeySet();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("park"))
              .handler(
                  d -> {
                    String m = d.message().payloadAsText();
                    calls.add(m + "@" + d.attempt());
                    seenAs.add(
                        d.topic()
                            + (d.message().headers().containsKey(Headers.RETRY_TOPIC)
                                ? " with mq-retry-topic"
                                : ""));
                    if (m.equals("m0") && d.attempt() < 4) {
                      throw new IllegalStateException("not yet");
                    }
                    handled.add(m);
                  }));
      Inbox deadLetters = deadLetters(queue, topic);
      Producer producer = queue.createProducer();

      for (int i = 0; i < 3; i++) {
        producer.sendAndWait(topic, Message.of("k", bytes("m" + i)));
      }

      await().atMost(Duration.ofSeconds(30)).until(() -> handled.contains("m0"));
      assertThat(handled).containsExactly("m1", "m2", "m0");
      assertThat(calls.stream().filter(c -> c.startsWith("m0@")))
          .containsExactly("m0@1", "m0@2", "m0@3", "m0@4");
      assertThat(seenAs).containsOnly(topic);
      assertStaysAt(deadLetters, 0, Duration.ofMillis(300));
    }

    @Test
    @DisplayName(
        "follows the failure classifier: dead-letters what it names at once, parks what it names"
            + " without retrying in place")
    void failureClassifier() {
      MessageQueue queue =
          open(
              b ->
                  b.maxRetries(3)
                      .set(MqConfig.RETRY_INITIAL_BACKOFF_MS, "300")
                      .set(MqConfig.RETRY_MAX_BACKOFF_MS, "5000")
                      .set(MqConfig.RETRY_JITTER, "0"));
      String topic = newTopic("classify");
      List<String> calls = new CopyOnWriteArrayList<>();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("classify"))
              .failureClassifier(
                  f ->
                      f instanceof IllegalArgumentException
                          ? FailureClassifier.Action.DEAD_LETTER
                          : f instanceof java.util.concurrent.TimeoutException
                              ? FailureClassifier.Action.PARK
                              : FailureClassifier.Action.RETRY)
              .handler(
                  d -> {
                    String m = d.message().payloadAsText();
                    calls.add(m + "@" + d.attempt());
                    if (m.equals("bad")) {
                      throw new IllegalArgumentException("malformed order");
                    }
                    if (m.equals("slow") && d.attempt() == 1) {
                      throw new java.util.concurrent.TimeoutException("dependency timed out");
                    }
                  }));
      Inbox deadLetters = deadLetters(queue, topic);
      Producer producer = queue.createProducer();

      producer.sendAndWait(topic, Message.of("k", bytes("bad")));
      producer.sendAndWait(topic, Message.of("k", bytes("slow")));
      producer.sendAndWait(topic, Message.of("k", bytes("next")));

      await().atMost(Duration.ofSeconds(30)).until(() -> calls.contains("slow@2"));
      assertThat(calls).containsExactly("bad@1", "slow@1", "next@1", "slow@2");
      Delivery dead = deadLetters.awaitAtLeast(1).deliveries().get(0);
      assertThat(dead.payload()).isEqualTo(bytes("bad"));
      assertThat(dead.header(Headers.DLQ_REASON))
          .hasValueSatisfying(r -> assertThat(r).contains("classifier"));
      assertStaysAt(deadLetters, 1, Duration.ofMillis(300));
    }

    @Test
    @DisplayName(
        "dead-letters a message that fails every stage, to its own topic's dead-letter topic,"
            + " after max_retries + 1 attempts")
    void nonBlockingRetryDeadLetters() {
      MessageQueue queue = nonBlockingRetries();
      String topic = newTopic("park-dlq");
      List<Integer> attempts = new CopyOnWriteArrayList<>();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("park-dlq"))
              .handler(
                  d -> {
                    attempts.add(d.attempt());
                    throw new IllegalStateException("always");
                  }));
      Inbox deadLetters = deadLetters(queue, topic);

      queue.createProducer().sendAndWait(topic, Message.of("k", bytes("doomed")));

      Delivery dead = deadLetters.awaitAtLeast(1).deliveries().get(0);
      assertThat(attempts).containsExactly(1, 2, 3, 4);
      assertThat(dead.payload()).isEqualTo(bytes("doomed"));
      assertThat(dead.header(Headers.DLQ_ORIGINAL_TOPIC)).contains(topic);
      assertThat(dead.header(Headers.DLQ_ATTEMPTS)).contains("4");
      assertThat(dead.message().headers())
          .doesNotContainKeys(Headers.RETRY_TOPIC, Headers.RETRY_DUE);
    }

    @Test
    @DisplayName(
        "stops retrying after max_retries and dead-letters the original bytes with every"
            + " mq-dlq-* header")
    void deadLetterAfterMaxRetries() {
      MessageQueue queue = open(b -> b.maxRetries(2));
      String topic = newTopic("dlq");
      String group = newGroup("dlq");
      AtomicInteger attempts = new AtomicInteger();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(group)
              .handler(
                  d -> {
                    attempts.incrementAndGet();
                    throw new IllegalArgumentException("cannot handle " + d.id());
                  }));
      Inbox deadLetters = deadLetters(queue, topic);
      byte[] payload = {9, 8, 7, 0, -1};
      Message sent = Message.builder(payload).key("k1").header("x-origin", "test").build();
      long before = System.currentTimeMillis();

      String id = queue.createProducer().sendAndWait(topic, sent).messageId();

      Delivery dead = deadLetters.awaitAtLeast(1).deliveries().get(0);
      assertThat(attempts.get()).isEqualTo(3);
      assertThat(dead.id()).isEqualTo(id);
      assertThat(dead.payload()).containsExactly(payload);
      assertThat(dead.key()).contains("k1");
      Map<String, String> h = dead.message().headers();
      assertThat(h).containsEntry("x-origin", "test");
      assertThat(h.get(Headers.DLQ_REASON)).contains("3 attempts").contains("cannot handle");
      assertThat(h).containsEntry(Headers.DLQ_EXCEPTION, IllegalArgumentException.class.getName());
      assertThat(h).containsEntry(Headers.DLQ_ORIGINAL_TOPIC, topic);
      assertThat(h).containsKey(Headers.DLQ_ORIGINAL_PARTITION);
      assertThat(h).containsKey(Headers.DLQ_ORIGINAL_OFFSET);
      assertThat(h).containsEntry(Headers.DLQ_GROUP, group);
      assertThat(h).containsEntry(Headers.DLQ_ATTEMPTS, "3");
      assertThat(Long.parseLong(h.get(Headers.DLQ_FAILED_AT)))
          .isBetween(before, System.currentTimeMillis());
      assertStaysAt(deadLetters, 1, Duration.ofMillis(200));
      assertThat(attempts.get()).isEqualTo(3);
    }

    @Test
    @DisplayName(
        "retries a failure of the infrastructure (a retriable MessagingException) without using up"
            + " the message's retries, so it is not dead-lettered")
    void infrastructureFailureKeepsRetries() {
      MessageQueue queue = open(b -> b.maxRetries(1));
      String topic = newTopic("infra");
      List<Integer> attemptsSeen = new CopyOnWriteArrayList<>();
      Inbox handled = new Inbox();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("infra"))
              .handler(
                  d -> {
                    attemptsSeen.add(d.attempt());
                    if (attemptsSeen.size() <= 4) {
                      throw MessagingException.retriable("the broker did not take an output");
                    }
                    handled.add(d);
                  }));
      Inbox deadLetters = deadLetters(queue, topic);

      String id = queue.createProducer().sendAndWait(topic, Message.ofText("x")).messageId();

      handled.awaitIds(Set.of(id));
      assertThat(attemptsSeen).containsExactly(1, 1, 1, 1, 1);
      assertStaysAt(deadLetters, 0, Duration.ofMillis(200));
    }

    @Test
    @DisplayName("dead-letters a NonRetryableException at once, with no retry")
    void nonRetryable() {
      MessageQueue queue = open();
      String topic = newTopic("nonretry");
      AtomicInteger attempts = new AtomicInteger();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("nonretry"))
              .handler(
                  d -> {
                    attempts.incrementAndGet();
                    throw new NonRetryableException("malformed request");
                  }));
      Inbox deadLetters = deadLetters(queue, topic);

      String id = queue.createProducer().sendAndWait(topic, Message.ofText("bad")).messageId();

      Delivery dead = deadLetters.awaitIds(Set.of(id)).deliveries().get(0);
      assertThat(dead.header(Headers.DLQ_ATTEMPTS)).contains("1");
      assertThat(dead.header(Headers.DLQ_REASON).orElseThrow()).contains("malformed request");
      assertStaysAt(deadLetters, 1, Duration.ofMillis(200));
      assertThat(attempts.get()).isEqualTo(1);
    }

    @Test
    @DisplayName(
        "dead-letters a message that the dead-letter headers push over producer.max_message_bytes"
            + " without its payload, naming its size and where it was, and the next message of its"
            + " key flows")
    void oversizedDeadLetter() {
      MessageQueue queue = open(b -> b.set(MqConfig.MAX_MESSAGE_BYTES, "4096"));
      String topic = newTopic("oversize");
      Inbox handled = new Inbox();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("oversize"))
              .handler(
                  d -> {
                    if (d.message().payload().length > 100) {
                      throw new NonRetryableException("cannot handle a large request");
                    }
                    handled.add(d);
                  }));
      Inbox deadLetters = deadLetters(queue, topic);
      Producer producer = queue.createProducer();
      byte[] large = new byte[3_900]; // fits; with the dead-letter headers it does not

      String largeId = producer.sendAndWait(topic, Message.of("k", large)).messageId();
      String nextId = producer.sendAndWait(topic, Message.of("k", bytes("small"))).messageId();

      Delivery dead = deadLetters.awaitIds(Set.of(largeId)).deliveries().get(0);
      assertThat(dead.message().payload()).isEmpty();
      assertThat(dead.message().key()).contains("k");
      assertThat(dead.header(Headers.DLQ_PAYLOAD_DROPPED)).contains("3900");
      assertThat(dead.header(Headers.DLQ_ORIGINAL_TOPIC)).contains(topic);
      assertThat(dead.header(Headers.DLQ_ORIGINAL_PARTITION)).isPresent();
      assertThat(dead.header(Headers.DLQ_ORIGINAL_OFFSET)).isPresent();
      assertThat(dead.header(Headers.DLQ_REASON).orElseThrow())
          .contains("cannot handle a large request");
      handled.awaitIds(Set.of(nextId));
    }

    @Test
    @DisplayName("keeps retrying past max_retries, never dropping, when dead-lettering is disabled")
    void deadLetterDisabled() {
      MessageQueue queue = open(b -> b.maxRetries(1).deadLetter(false));
      String topic = newTopic("nodlq");
      AtomicInteger attempts = new AtomicInteger();
      Inbox done = new Inbox();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("nodlq"))
              .handler(
                  d -> {
                    if (attempts.incrementAndGet() <= 4) {
                      throw new NonRetryableException("still failing");
                    }
                    done.add(d);
                  }));

      String id = queue.createProducer().sendAndWait(topic, Message.ofText("keep")).messageId();

      done.awaitIds(Set.of(id));
      assertThat(attempts.get()).isEqualTo(5);
      assertThat(queue.admin().listTopics())
          .doesNotContain(DeadLetterPolicy.deadLetterTopic(topic));
    }

    @Test
    @DisplayName(
        "never redelivers under at-most-once: a failed message goes to the dead-letter"
            + " topic after one attempt")
    void atMostOnce() {
      MessageQueue queue = open(b -> b.deliveryMode(DeliveryMode.AT_MOST_ONCE));
      String topic = newTopic("amo");
      Inbox attempts = new Inbox();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("amo"))
              .handler(
                  d -> {
                    attempts.add(d);
                    if (d.message().payloadAsText().equals("fail")) {
                      throw new IllegalStateException("boom");
                    }
                  }));
      Inbox deadLetters = deadLetters(queue, topic);
      Producer producer = queue.createProducer();

      String failed = producer.sendAndWait(topic, Message.of("k", bytes("fail"))).messageId();
      String ok = producer.sendAndWait(topic, Message.of("k", bytes("ok"))).messageId();

      attempts.awaitIds(Set.of(failed, ok));
      deadLetters.awaitIds(Set.of(failed));
      assertStaysAt(attempts, 2, Duration.ofMillis(300));
      assertThat(attempts.countsById()).containsEntry(failed, 1).containsEntry(ok, 1);
    }

    @Test
    @DisplayName("treats an async handler's exceptional completion like a throw")
    void asyncFailure() {
      MessageQueue queue = open(b -> b.maxRetries(1));
      String topic = newTopic("asyncfail");
      List<Integer> attempts = new CopyOnWriteArrayList<>();
      Inbox done = new Inbox();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("asyncfail"))
              .asyncHandler(
                  d -> {
                    attempts.add(d.attempt());
                    if (d.message().payloadAsText().equals("always") || d.attempt() == 1) {
                      return CompletableFuture.failedFuture(
                          new IllegalStateException("async boom"));
                    }
                    done.add(d);
                    return CompletableFuture.completedFuture(null);
                  }));
      Inbox deadLetters = deadLetters(queue, topic);
      Producer producer = queue.createProducer();

      String once = producer.sendAndWait(topic, Message.of("a", bytes("once"))).messageId();
      String always = producer.sendAndWait(topic, Message.of("b", bytes("always"))).messageId();

      done.awaitIds(Set.of(once));
      Delivery dead = deadLetters.awaitIds(Set.of(always)).deliveries().get(0);
      assertThat(dead.header(Headers.DLQ_REASON).orElseThrow()).contains("async boom");
      assertThat(dead.header(Headers.DLQ_ATTEMPTS)).contains("2");
      assertThat(done.ids()).containsExactly(once);
    }

    @Test
    @DisplayName("keeps consuming after handlers throw")
    void exceptionDoesNotStopConsumer() {
      MessageQueue queue = open();
      String topic = newTopic("keepgoing");
      Inbox ok = new Inbox();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("keepgoing"))
              .handler(
                  d -> {
                    String text = d.message().payloadAsText();
                    if (text.startsWith("bad")) {
                      throw new NonRetryableException("bad input " + text);
                    }
                    if (text.startsWith("error")) {
                      throw new AssertionError("an Error from the handler");
                    }
                    ok.add(d);
                  }));
      Producer producer = queue.createProducer();
      producer.sendAndWait(topic, Message.ofText("bad-1"));
      producer.sendAndWait(topic, Message.ofText("error-1"));

      List<String> good = sendAll(producer, topic, 100);

      ok.awaitIds(new HashSet<>(good));
      assertThat(ok.size()).isEqualTo(100);
    }
  }

  @Nested
  @DisplayName("exactly-once")
  class ExactlyOnce {

    @Test
    @DisplayName(
        "publishes what a handler sends exactly once even when the handler fails after"
            + " sending")
    void consumeTransformProduce() {
      assumeTrue(
          capabilities().has(Capability.EXACTLY_ONCE), "backend declares no exactly-once delivery");
      MessageQueue queue = open(b -> b.deliveryMode(DeliveryMode.EXACTLY_ONCE).maxRetries(5));
      String in = newTopic("eos-in");
      String out = newTopic("eos-out");
      subscribe(
          queue,
          Subscription.to(in)
              .group(newGroup("eos"))
              .concurrency(2)
              .handler(
                  d -> {
                    d.producer()
                        .sendAndWait(out, Message.builder(d.payload()).id("out-" + d.id()).build());
                    if (d.attempt() == 1 && d.offset() % 3 == 0) {
                      throw new IllegalStateException("fail after sending");
                    }
                  }));
      Inbox output = new Inbox();
      subscribe(queue, sub(out, newGroup("eos-reader"), output));

      List<String> sent = sendAll(queue.createProducer(), in, 300);

      Set<String> expected = new HashSet<>();
      sent.forEach(id -> expected.add("out-" + id));
      output.awaitIds(expected);
      assertStaysAt(output, 300, Duration.ofMillis(300));
      assertThat(output.duplicates()).isZero();
    }

    @Test
    @DisplayName("discards what a handler sent when its message is dead-lettered")
    void deadLetteredDiscardsSends() {
      assumeTrue(
          capabilities().has(Capability.EXACTLY_ONCE), "backend declares no exactly-once delivery");
      MessageQueue queue = open(b -> b.deliveryMode(DeliveryMode.EXACTLY_ONCE).maxRetries(1));
      String in = newTopic("eos-dlq-in");
      String out = newTopic("eos-dlq-out");
      subscribe(
          queue,
          Subscription.to(in)
              .group(newGroup("eos-dlq"))
              .handler(
                  d -> {
                    d.producer().send(out, Message.ofText("emitted by " + d.id()));
                    if (d.message().payloadAsText().startsWith("bad")) {
                      throw new NonRetryableException("bad input");
                    }
                  }));
      Inbox output = new Inbox();
      subscribe(queue, sub(out, newGroup("eos-dlq-out"), output));
      Inbox deadLetters = deadLetters(queue, in);
      Producer producer = queue.createProducer();

      String bad = producer.sendAndWait(in, Message.of("k", bytes("bad"))).messageId();
      producer.sendAndWait(in, Message.of("k", bytes("good")));

      deadLetters.awaitIds(Set.of(bad));
      output.awaitAtLeast(1);
      assertStaysAt(output, 1, Duration.ofMillis(300));
      assertThat(output.deliveries().get(0).message().payloadAsText()).doesNotContain(bad);
    }
  }

  @Nested
  @DisplayName("input validation")
  class Validation {

    @Test
    @DisplayName("rejects an invalid topic name with the naming rule, sending nothing")
    void invalidTopic() {
      MessageQueue queue = open();
      Producer producer = queue.createProducer();

      for (String bad : List.of("", "has space", "slash/no", "..", "x".repeat(250))) {
        assertThatThrownBy(() -> producer.send(bad, Message.ofText("x")))
            .isInstanceOf(InvalidMessageException.class)
            .hasMessageContaining("invalid topic name")
            .hasMessageContaining(TopicSpec.NAME_RULE);
      }
      assertThat(queue.admin().listTopics()).noneMatch(t -> t.contains(" ") || t.contains("/"));
    }

    @Test
    @DisplayName("rejects a null payload when the message is built")
    void nullPayload() {
      assertThatThrownBy(() -> Message.of((byte[]) null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("payload must not be null");
    }

    @Test
    @DisplayName("rejects a message over producer.max_message_bytes, sending nothing")
    void oversize() {
      MessageQueue queue = open(b -> b.set(MqConfig.MAX_MESSAGE_BYTES, "1024"));
      String topic = newTopic("oversize");
      Inbox inbox = new Inbox();
      subscribe(queue, sub(topic, newGroup("oversize"), inbox));
      Producer producer = queue.createProducer();

      assertThatThrownBy(() -> producer.send(topic, Message.of(new byte[2048])))
          .isInstanceOf(InvalidMessageException.class)
          .hasMessageContaining("producer.max_message_bytes = 1024");
      String small = producer.sendAndWait(topic, Message.of(new byte[100])).messageId();

      inbox.awaitIds(Set.of(small));
      assertStaysAt(inbox, 1, Duration.ofMillis(200));
    }

    @Test
    @DisplayName("refuses to send on a closed producer")
    void sendAfterClose() {
      MessageQueue queue = open();
      Producer producer = queue.createProducer();
      producer.close();

      assertThatThrownBy(() -> producer.send(newTopic("closed"), Message.ofText("x")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
    }
  }

  @Nested
  @DisplayName("lifecycle and health")
  class Lifecycle {

    @Test
    @DisplayName("reports UP with consumer details while running and DOWN after close")
    void health() {
      MessageQueue queue = open();
      String topic = newTopic("health");
      String group = newGroup("health");
      Inbox inbox = new Inbox();
      Subscriber consumer = subscribe(queue, sub(topic, group, inbox));
      queue.createProducer().sendAndWait(topic, Message.ofText("x"));
      inbox.awaitAtLeast(1);

      Health running = consumer.health();
      assertThat(running.isUp()).isTrue();
      assertThat(running.details())
          .containsEntry("group", group)
          .containsEntry("paused", false)
          .containsKey("lastActivityAgeMs");
      SubscriberStatus status = consumer.status();
      assertThat(status.group()).isEqualTo(group);
      assertThat(status.topics()).containsExactly(topic);
      assertThat(status.paused()).isFalse();
      assertThat(status.problem()).isEmpty();
      assertThat(queue.health().isUp()).isTrue();

      consumer.close();
      assertThat(consumer.health().isUp()).isFalse();
      assertThat(consumer.status().problem()).contains("closed");
      queue.close();
      assertThat(queue.health().isUp()).isFalse();
    }

    @Test
    @DisplayName("closes producers, consumers and queues idempotently")
    void closeIdempotent() {
      MessageQueue queue = open();
      Producer producer = queue.createProducer();
      Subscriber consumer =
          subscribe(queue, sub(newTopic("close"), newGroup("close"), new Inbox()));

      producer.close();
      producer.close();
      consumer.close();
      consumer.close();
      queue.close();
      queue.close();

      assertThat(queue.health().isUp()).isFalse();
    }

    @Test
    @DisplayName("stops delivery while paused and continues after resume, losing nothing")
    void pauseResume() {
      MessageQueue queue = open();
      String topic = newTopic("pause");
      Inbox inbox = new Inbox();
      Subscriber consumer = subscribe(queue, sub(topic, newGroup("pause"), inbox));
      Producer producer = queue.createProducer();
      List<String> first = sendAll(producer, topic, 10);
      inbox.awaitIds(new HashSet<>(first));

      consumer.pause();
      assertThat(consumer.isPaused()).isTrue();
      assertThat(consumer.health().details()).containsEntry("paused", true);
      List<String> second = sendAll(producer, topic, 10);
      assertStaysAt(inbox, 10, Duration.ofMillis(500));

      consumer.resume();
      inbox.awaitIds(new HashSet<>(second));
      assertThat(inbox.size()).isEqualTo(20);
    }
  }

  @Nested
  @DisplayName("topic administration")
  class Administration {

    @Test
    @DisplayName("creates, lists, describes and deletes a topic; creating twice is harmless")
    void roundTrip() {
      MessageQueue queue = open();
      String topic = newTopic("admin");
      TopicSpec spec = TopicSpec.of(topic, 3);

      assertThat(queue.admin().createTopic(spec)).isTrue();
      assertThat(queue.admin().createTopic(spec)).isFalse();

      assertThat(queue.admin().listTopics())
          .contains(topic, DeadLetterPolicy.deadLetterTopic(topic));
      TopicSpec described = queue.admin().describeTopic(topic).orElseThrow();
      assertThat(described.name()).isEqualTo(topic);
      assertThat(described.partitions())
          .isEqualTo(capabilities().has(Capability.PARTITIONS) ? 3 : 1);
      assertThat(described.replicationFactor()).isEqualTo(brokerDefaultReplication());

      assertThat(queue.admin().deleteTopic(topic)).isTrue();
      await().atMost(Inbox.TIMEOUT).until(() -> !queue.admin().listTopics().contains(topic));
      assertThat(queue.admin().describeTopic(topic)).isEmpty();
      assertThat(queue.admin().deleteTopic(topic)).isFalse();
    }

    @Test
    @DisplayName("deletes a consumer group once its consumers are closed, forgetting its position")
    void deleteGroup() {
      MessageQueue queue = open();
      String topic = newTopic("delgroup");
      String group = newGroup("delgroup");
      Producer producer = queue.createProducer();
      Inbox first = new Inbox();
      Subscriber consumer = subscribe(queue, sub(topic, group, first));
      List<String> sent = sendAll(producer, topic, 5);
      first.awaitIds(new HashSet<>(sent));

      assertThatThrownBy(() -> queue.admin().deleteGroup(group))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("running consumers");
      consumer.close();
      assertThat(queue.admin().deleteGroup(group)).isTrue();
      assertThat(queue.admin().deleteGroup(group)).isFalse();
    }

    @Test
    @DisplayName("starts a deleted group over: subscribing again at the earliest reads everything")
    void deletedGroupStartsOver() {
      assumeTrue(
          capabilities().has(Capability.NEW_GROUP_READS_HISTORY),
          "backend declares that a new group does not read history");
      MessageQueue queue = open();
      String topic = newTopic("regroup");
      String group = newGroup("regroup");
      Inbox first = new Inbox();
      Subscriber consumer = subscribe(queue, sub(topic, group, first));
      List<String> sent = sendAll(queue.createProducer(), topic, 5);
      first.awaitIds(new HashSet<>(sent));
      consumer.close();

      assertThat(queue.admin().deleteGroup(group)).isTrue();

      Inbox again = new Inbox();
      subscribe(queue, sub(topic, group, again).startFrom(StartPosition.EARLIEST));
      again.awaitIds(new HashSet<>(sent));
    }

    @Test
    @DisplayName("creates configured topics with their configured partitions")
    void configuredTopic() {
      assumeTrue(
          capabilities().has(Capability.PARTITIONS),
          "backend declares that topics have no partitions");
      String topic = newTopic("configured");
      MessageQueue queue = open(b -> b.topic(TopicSpec.of(topic, 2)));
      Inbox inbox = new Inbox();
      subscribe(queue, sub(topic, newGroup("configured"), inbox));

      queue.createProducer().sendAndWait(topic, Message.ofText("x"));

      inbox.awaitAtLeast(1);
      assertThat(queue.admin().describeTopic(topic).orElseThrow().partitions()).isEqualTo(2);
    }
  }

  @Nested
  @DisplayName("payload encryption")
  class Encryption {
    private final SecureRandom random = new SecureRandom();
    private final Map<String, SecretKey> keys = new ConcurrentHashMap<>();

    @TempDir Path keyDir;

    /**
     * The key of {@code id}, made on first use and written to {@code <id>.key} in its own folder.
     */
    private Path keyFile(String id) {
      SecretKey key =
          keys.computeIfAbsent(
              id,
              k -> {
                byte[] raw = new byte[KeyRing.KEY_BYTES];
                random.nextBytes(raw);
                return new SecretKeySpec(raw, "AES");
              });
      try {
        Path folder = Files.createDirectories(keyDir.resolve(UUID.randomUUID().toString()));
        return Files.writeString(
            folder.resolve(id + ".key"), Base64.getEncoder().encodeToString(key.getEncoded()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** A queue that encrypts under {@code current} and knows the keys {@code known} too. */
    private MessageQueue encrypted(String current, String... known) {
      List<String> files = new ArrayList<>();
      files.add(keyFile(current).toString());
      for (String id : known) {
        files.add(keyFile(id).toString());
      }
      return open(
          b ->
              b.set(MqConfig.ENCRYPTION_ENABLED, "true")
                  .set(MqConfig.ENCRYPTION_KEY_FILES, String.join(",", files))
                  .set(MqConfig.ENCRYPTION_CURRENT_KEY_ID, current));
    }

    private PayloadCipher cipher(String id) {
      return new PayloadCipher(KeyRing.of(id, Map.of(id, keys.get(id))));
    }

    @Test
    @DisplayName(
        "hands the handler the payload and headers as sent, and encrypts what the handler sends")
    void roundTrip() {
      MessageQueue queue = encrypted("k1");
      String topic = newTopic("enc-rt");
      String forwarded = newTopic("enc-fwd");
      Inbox inbox = new Inbox();
      Inbox downstream = new Inbox();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("enc-rt"))
              .handler(
                  d -> {
                    inbox.add(d);
                    d.producer().sendAndWait(forwarded, Message.ofText("re: " + d.id()));
                  }));
      subscribe(queue, sub(forwarded, newGroup("enc-fwd"), downstream));
      Message sent =
          Message.builder(bytes("top secret plan"))
              .key("order-42")
              .header(Headers.TYPE, "example.v1.Plan")
              .build();

      queue.createProducer().sendAndWait(topic, sent);

      Delivery got = inbox.awaitAtLeast(1).deliveries().get(0);
      assertThat(got.id()).isEqualTo(sent.id());
      assertThat(got.key()).contains("order-42");
      assertThat(got.payload()).isEqualTo(bytes("top secret plan"));
      assertThat(got.message().headers())
          .containsAllEntriesOf(sent.headers())
          .doesNotContainKeys(PayloadCipher.KEY_ID_HEADER, PayloadCipher.ALGORITHM_HEADER);
      assertThat(downstream.awaitAtLeast(1).deliveries().get(0).message().payloadAsText())
          .isEqualTo("re: " + sent.id());
    }

    @Test
    @DisplayName(
        "stores the payload encrypted under the current key id: a dead letter keeps those bytes,"
            + " which the key decrypts to the plaintext")
    void storedEncrypted() {
      MessageQueue queue = encrypted("k1");
      String topic = newTopic("enc-wire");
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("enc-wire"))
              .handler(
                  d -> {
                    throw new NonRetryableException("cannot handle it");
                  }));
      Inbox deadLetters = deadLetters(queue, topic);

      String id =
          queue
              .createProducer()
              .sendAndWait(topic, Message.of("k", bytes("top secret plan")))
              .messageId();

      Message dead = deadLetters.awaitIds(Set.of(id)).deliveries().get(0).message();
      assertThat(dead.header(PayloadCipher.KEY_ID_HEADER)).contains("k1");
      assertThat(dead.header(PayloadCipher.ALGORITHM_HEADER)).contains(PayloadCipher.ALGORITHM);
      assertThat(dead.payload()).hasSize(15 + PayloadCipher.OVERHEAD);
      assertThat(new String(dead.payload(), StandardCharsets.ISO_8859_1)).doesNotContain("secret");
      assertThat(cipher("k1").decrypt(dead).payloadAsText()).isEqualTo("top secret plan");
    }

    @Test
    @DisplayName(
        "dead-letters at once, never reaching the handler, a payload that was altered, whose key"
            + " id is unknown, or that was cut short, with the reason and the bytes as they came")
    void tampered() {
      MessageQueue queue = encrypted("k1");
      String topic = newTopic("enc-tamper");
      AtomicInteger handled = new AtomicInteger();
      subscribe(
          queue,
          Subscription.to(topic)
              .group(newGroup("enc-tamper"))
              .handler(d -> handled.incrementAndGet()));
      Inbox deadLetters = deadLetters(queue, topic);
      byte[] garbage = new byte[40];
      random.nextBytes(garbage);
      Producer producer = queue.createProducer();

      // A message that carries the key id header already is sent as it is: here, forged ones.
      String altered = producer.sendAndWait(topic, forged("k1", garbage)).messageId();
      String unknown = producer.sendAndWait(topic, forged("k9", garbage)).messageId();
      String cut = producer.sendAndWait(topic, forged("k1", new byte[5])).messageId();

      deadLetters.awaitIds(Set.of(altered, unknown, cut));
      Map<String, Delivery> dead = new HashMap<>();
      deadLetters.deliveries().forEach(d -> dead.put(d.id(), d));
      assertThat(dead.get(altered).header(Headers.DLQ_REASON).orElseThrow())
          .contains("authentication failed under key id 'k1'");
      assertThat(dead.get(unknown).header(Headers.DLQ_REASON).orElseThrow())
          .contains("key id 'k9' is unknown here");
      assertThat(dead.get(cut).header(Headers.DLQ_REASON).orElseThrow()).contains("cut short");
      for (Delivery d : dead.values()) {
        assertThat(d.header(Headers.DLQ_ATTEMPTS)).contains("1");
        assertThat(d.header(Headers.DLQ_EXCEPTION))
            .contains(PayloadDecryptionException.class.getName());
      }
      assertThat(dead.get(altered).payload()).isEqualTo(garbage);
      assertStaysAt(deadLetters, 3, Duration.ofMillis(200));
      assertThat(handled.get()).isZero();
    }

    private Message forged(String keyId, byte[] payload) {
      return Message.builder(payload)
          .header(PayloadCipher.KEY_ID_HEADER, keyId)
          .header(PayloadCipher.ALGORITHM_HEADER, PayloadCipher.ALGORITHM)
          .build();
    }

    @Test
    @DisplayName(
        "after rotation, a queue whose current key is k2 still decrypts what a queue sealed under"
            + " k1, and sends under k2")
    void rotation() {
      MessageQueue before = encrypted("k1");
      MessageQueue after = encrypted("k2", "k1");
      String old = newTopic("enc-old");
      String topic = newTopic("enc-rotated");
      // The bytes the first queue stored, taken from a dead letter, replayed without its mq-dlq-*.
      subscribe(
          before,
          Subscription.to(old)
              .group(newGroup("enc-old"))
              .handler(
                  d -> {
                    throw new NonRetryableException("keep the bytes");
                  }));
      Inbox oldDead = deadLetters(before, old);
      String oldId =
          before.createProducer().sendAndWait(old, Message.ofText("sealed by k1")).messageId();
      Message stored = oldDead.awaitIds(Set.of(oldId)).deliveries().get(0).message();
      Message.Builder replay =
          Message.builder(stored.payload()).id(stored.id()).timestamp(stored.timestamp());
      stored.headers().entrySet().stream()
          .filter(h -> !h.getKey().startsWith(Headers.DLQ_PREFIX))
          .forEach(h -> replay.header(h.getKey(), h.getValue()));
      Inbox inbox = new Inbox();
      subscribe(after, sub(topic, newGroup("enc-rotated"), inbox));
      Inbox newDead = deadLetters(after, topic);
      Producer producer = after.createProducer();

      producer.sendAndWait(topic, replay.build());
      String newId = producer.sendAndWait(topic, Message.ofText("sealed by k2")).messageId();

      inbox.awaitIds(Set.of(oldId, newId));
      Map<String, String> texts = new HashMap<>();
      inbox.deliveries().forEach(d -> texts.put(d.id(), d.message().payloadAsText()));
      assertThat(stored.header(PayloadCipher.KEY_ID_HEADER)).contains("k1");
      assertThat(texts).containsEntry(oldId, "sealed by k1").containsEntry(newId, "sealed by k2");
      assertStaysAt(newDead, 0, Duration.ofMillis(200));
    }
  }
}
