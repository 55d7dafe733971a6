package io.agentmq.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.NonRetryableException;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import io.agentmq.api.deadletter.DeadLetter;
import io.agentmq.api.deadletter.DeadLetterFilter;
import io.agentmq.api.deadletter.DeadLetterStats;
import io.agentmq.api.deadletter.DeadLetterSummary;
import io.agentmq.api.deadletter.DeadLetters;
import io.agentmq.api.deadletter.PurgeOptions;
import io.agentmq.api.deadletter.ReplayOptions;
import io.agentmq.tck.fault.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract of dead-letter operations ({@link MessageQueue#deadLetters()}): replay keeps per-key
 * order, an interrupted replay run again loses and repeats nothing (counted against a ledger), the
 * loop guard parks repeat offenders, filters and dry runs take what they say. A backend runs it by
 * extending this class once.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
public abstract class DeadLetterOpsContract {
  private static final Duration WAIT = Duration.ofSeconds(90);

  private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
  private final List<String> createdTopics = new CopyOnWriteArrayList<>();

  /** Sets {@code broker_type} and whatever the backend needs to reach its broker. */
  protected abstract MqConfig.Builder configure(MqConfig.Builder builder);

  /**
   * The settings ({@code key=value}, {@code broker_type} included) a process of its own reaches the
   * same broker with; empty when the broker lives in the test's process (memory), which a killed
   * process would take along.
   */
  protected Map<String, String> processSettings() {
    return Map.of();
  }

  /**
   * How many messages a replay killed once may repeat: 0 where replays and progress commit
   * atomically (Kafka), 1 on RabbitMQ (killed between a replay's confirm and its dead letter's
   * acknowledgement).
   */
  protected int repeatsAfterKill() {
    return 0;
  }

  /** Whether the topics a test created are deleted after it (a broker shared across runs). */
  protected boolean deletesTopicsAfterEachTest() {
    return false;
  }

  private MessageQueue open() {
    MessageQueue queue =
        MessageQueue.create(
            configure(MqConfig.builder())
                .maxRetries(1)
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(20))
                .set(MqConfig.TOPIC_DEFAULT_PARTITIONS, "3")
                .set(MqConfig.CONSUMER_CLOSE_TIMEOUT_MS, "10000")
                .build());
    resources.add(queue);
    return queue;
  }

  private String newTopic(String purpose) {
    String topic = "dlqops-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
    createdTopics.add(topic);
    return topic;
  }

  @AfterEach
  void closeResources() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
    resources.clear();
    if (deletesTopicsAfterEachTest() && !createdTopics.isEmpty()) {
      try (MessageQueue queue = MessageQueue.create(configure(MqConfig.builder()).build())) {
        for (String topic : createdTopics) {
          queue.admin().deleteTopic(topic);
          queue.admin().deleteTopic(topic + DeadLetterPolicy.SUFFIX);
        }
      }
    }
    createdTopics.clear();
  }

  /**
   * A handler that fails (not retriably, so the message is dead-lettered at once) every delivery
   * {@link #failing} says, and records the others in a ledger.
   */
  private static final class Switch {
    final ConcurrentLinkedQueue<Delivery> handled = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Delivery> failed = new ConcurrentLinkedQueue<>();
    volatile Predicate<Delivery> failing = d -> true;

    void handle(Delivery d) {
      if (failing.test(d)) {
        failed.add(d);
        throw new NonRetryableException("refused " + text(d));
      }
      handled.add(d);
    }

    /** Payloads handled per key, in the order handled. */
    Map<String, List<String>> handledPerKey() {
      Map<String, List<String>> perKey = new LinkedHashMap<>();
      for (Delivery d : handled) {
        perKey.computeIfAbsent(d.key().orElse(""), k -> new ArrayList<>()).add(text(d));
      }
      return perKey;
    }
  }

  private static String text(Delivery d) {
    return new String(d.payload(), StandardCharsets.UTF_8);
  }

  private static Switch subscribe(MessageQueue queue, String topic) {
    Switch handler = new Switch();
    queue.subscribe(
        Subscription.to(topic)
            .group("g-" + UUID.randomUUID().toString().substring(0, 8))
            .concurrency(1)
            .handler(handler::handle)
            .build());
    return handler;
  }

  /** Sends one message per payload, each waited for, so that per-key send order is certain. */
  private static void send(Producer producer, String topic, List<String[]> keyAndPayload) {
    for (String[] kp : keyAndPayload) {
      producer.sendAndWait(topic, Message.of(kp[0], kp[1].getBytes(StandardCharsets.UTF_8)));
    }
  }

  private static List<String[]> keyed(int keys, int perKey) {
    List<String[]> all = new ArrayList<>();
    for (int i = 0; i < perKey; i++) {
      for (int k = 0; k < keys; k++) {
        all.add(new String[] {"k" + k, "k" + k + "-" + i});
      }
    }
    return all;
  }

  private static void awaitDeadLetters(DeadLetters dl, String topic, long total) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(300))
        .until(() -> dl.stats(topic).total() == total);
  }

  @Test
  @DisplayName("replay sends every dead letter back with its id, key and bytes, in per-key order")
  void replayKeepsPerKeyOrder() {
    MessageQueue queue = open();
    String topic = newTopic("order");
    Switch handler = subscribe(queue, topic);
    List<String[]> sent = keyed(3, 15);
    send(queue.createProducer(), topic, sent);
    DeadLetters dl = queue.deadLetters();
    awaitDeadLetters(dl, topic, sent.size());

    List<DeadLetter> before = dl.browse(topic, DeadLetterFilter.ALL);
    Map<String, List<String>> deadLetterOrder = new LinkedHashMap<>();
    for (DeadLetter d : before) {
      deadLetterOrder
          .computeIfAbsent(d.message().key().orElse(""), k -> new ArrayList<>())
          .add(d.message().payloadAsText());
      assertThat(d.originalTopic()).contains(topic);
      assertThat(d.reason()).hasValueSatisfying(r -> assertThat(r).contains("refused"));
    }
    Map<String, List<String>> sendOrder = new LinkedHashMap<>();
    for (String[] kp : sent) {
      sendOrder.computeIfAbsent(kp[0], k -> new ArrayList<>()).add(kp[1]);
    }
    assertThat(deadLetterOrder).as("dead letters per key, as dead-lettered").isEqualTo(sendOrder);
    Set<String> failedIds = handler.failed.stream().map(Delivery::id).collect(Collectors.toSet());

    handler.failing = d -> false;
    DeadLetterSummary summary = dl.replay(topic, DeadLetterFilter.ALL, ReplayOptions.defaults());

    assertThat(summary.replayed()).isEqualTo(sent.size());
    assertThat(summary.parked()).isZero();
    await().atMost(WAIT).until(() -> handler.handled.size() >= sent.size());
    assertThat(handler.handledPerKey()).as("replayed messages per key").isEqualTo(sendOrder);
    for (Delivery d : handler.handled) {
      assertThat(d.header(Headers.REPLAY_COUNT)).contains("1");
      assertThat(d.message().headers().keySet()).noneMatch(h -> h.startsWith(Headers.DLQ_PREFIX));
      assertThat(d.attempt()).isEqualTo(1);
    }
    assertThat(handler.handled.stream().map(Delivery::id).collect(Collectors.toSet()))
        .as("replayed ids are the original ids")
        .isEqualTo(failedIds);
    assertThat(dl.stats(topic).total()).isZero();
  }

  @Test
  @DisplayName("an interrupted replay, run again, loses nothing and repeats nothing")
  void interruptedReplayResumes() {
    MessageQueue queue = open();
    String topic = newTopic("resume");
    Switch handler = subscribe(queue, topic);
    List<String[]> sent = keyed(5, 12);
    send(queue.createProducer(), topic, sent);
    DeadLetters dl = queue.deadLetters();
    awaitDeadLetters(dl, topic, sent.size());
    handler.failing = d -> false;

    int interruptAt = 25;
    assertThatThrownBy(
            () ->
                dl.replay(
                    topic,
                    DeadLetterFilter.ALL,
                    ReplayOptions.defaults()
                        .withCommitEvery(10)
                        .withProgress(
                            (examined, total) -> {
                              if (examined == interruptAt) {
                                throw new IllegalStateException("interrupted at " + examined);
                              }
                            })))
        .hasMessageContaining("interrupted at " + interruptAt);
    DeadLetterSummary rest = dl.replay(topic, DeadLetterFilter.ALL, ReplayOptions.defaults());
    assertThat(rest.replayed()).isBetween((long) sent.size() - interruptAt, (long) sent.size());

    await().atMost(WAIT).until(() -> handler.handled.size() >= sent.size());
    // Whatever a repeat would add arrives within the same time as the rest did.
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(30))
        .until(() -> handler.handled.size() == sent.size());
    Map<String, Long> perPayload =
        handler.handled.stream()
            .collect(Collectors.groupingBy(DeadLetterOpsContract::text, Collectors.counting()));
    long lost = sent.stream().filter(kp -> !perPayload.containsKey(kp[1])).count();
    long duplicated = perPayload.values().stream().mapToLong(c -> c - 1).sum();
    assertThat(lost).as("lost").isZero();
    assertThat(duplicated).as("duplicated").isZero();
    assertThat(dl.stats(topic).total()).isZero();
  }

  @Test
  @DisplayName("a replay killed halfway (SIGKILL), run again, loses nothing and repeats nothing")
  void killedReplayResumes(@TempDir Path tmp) {
    Assumptions.assumeFalse(
        processSettings().isEmpty(),
        "declared: this backend's broker lives in the test's process, which a kill takes along");
    MessageQueue queue = open();
    String topic = newTopic("kill");
    Switch handler = subscribe(queue, topic);
    List<String[]> sent = keyed(4, 15);
    send(queue.createProducer(), topic, sent);
    DeadLetters dl = queue.deadLetters();
    awaitDeadLetters(dl, topic, sent.size());
    handler.failing = d -> false;

    List<String> args = new ArrayList<>(List.of(topic));
    processSettings().forEach((k, v) -> args.add(k + "=" + v));
    try (ChildJvm child =
        ChildJvm.start(DeadLetterReplayProcess.class, args, Map.of(), tmp.resolve("replay.log"))) {
      await().atMost(WAIT).until(() -> handler.handled.size() >= 15 || !child.isAlive());
      assertThat(child.isAlive()).as("the replay was still running when killed").isTrue();
      child.kill();
    }
    int beforeRestart = handler.handled.size();
    DeadLetterSummary rest = dl.replay(topic, DeadLetterFilter.ALL, ReplayOptions.defaults());
    assertThat(rest.replayed())
        .isLessThanOrEqualTo(sent.size() - beforeRestart + repeatsAfterKill());

    await().atMost(WAIT).until(() -> handler.handled.size() >= sent.size());
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(30))
        .until(() -> handler.handled.size() <= sent.size() + repeatsAfterKill());
    Map<String, Long> perPayload =
        handler.handled.stream()
            .collect(Collectors.groupingBy(DeadLetterOpsContract::text, Collectors.counting()));
    long lost = sent.stream().filter(kp -> !perPayload.containsKey(kp[1])).count();
    long duplicated = perPayload.values().stream().mapToLong(c -> c - 1).sum();
    assertThat(lost).as("lost").isZero();
    assertThat(duplicated).as("duplicated").isLessThanOrEqualTo(repeatsAfterKill());
    assertThat(dl.stats(topic).total()).isZero();
  }

  @Test
  @DisplayName("the loop guard parks a message that keeps failing after maxReplays replays")
  void loopGuardParksRepeatOffenders() {
    MessageQueue queue = open();
    String topic = newTopic("loop");
    Switch handler = subscribe(queue, topic);
    send(queue.createProducer(), topic, keyed(3, 1));
    DeadLetters dl = queue.deadLetters();
    awaitDeadLetters(dl, topic, 3);
    ReplayOptions twice = ReplayOptions.defaults().withMaxReplays(2);

    for (int round = 1; round <= 2; round++) {
      assertThat(dl.replay(topic, DeadLetterFilter.ALL, twice).replayed()).isEqualTo(3);
      int replays = round;
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(300))
          .until(
              () -> {
                List<DeadLetter> all = dl.browse(topic, DeadLetterFilter.ALL);
                return all.size() == 3 && all.stream().allMatch(d -> d.replayCount() == replays);
              });
    }
    DeadLetterSummary third = dl.replay(topic, DeadLetterFilter.ALL, twice);

    assertThat(third.parked()).isEqualTo(3);
    assertThat(third.replayed()).isZero();
    DeadLetterStats stats = dl.stats(topic);
    assertThat(stats.total()).isEqualTo(3);
    assertThat(stats.byReplayCount()).isEqualTo(Map.of(2, 3L));
    assertThat(stats.byOriginalTopic()).isEqualTo(Map.of(topic, 3L));
    assertThat(stats.byException()).containsOnlyKeys(NonRetryableException.class.getName());
    assertThat(handler.failed).hasSize(9);

    DeadLetterSummary purged = dl.purge(topic, DeadLetterFilter.ALL, PurgeOptions.defaults());
    assertThat(purged.purged()).isEqualTo(3);
    assertThat(dl.stats(topic).total()).isZero();
  }

  @Test
  @DisplayName("filters by id and reason take only what they name; a dry run changes nothing")
  void filtersAndDryRun() {
    MessageQueue queue = open();
    String topic = newTopic("filter");
    Switch handler = subscribe(queue, topic);
    List<String[]> sent = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      sent.add(new String[] {"a", "alpha-" + i});
      sent.add(new String[] {"b", "beta-" + i});
    }
    send(queue.createProducer(), topic, sent);
    DeadLetters dl = queue.deadLetters();
    String deadLetterTopic = topic + DeadLetterPolicy.SUFFIX;
    awaitDeadLetters(dl, deadLetterTopic, sent.size());
    handler.failing = d -> d.header(Headers.REPLAY_COUNT).isEmpty();

    DeadLetterSummary dry =
        dl.replay(topic, DeadLetterFilter.ALL, ReplayOptions.defaults().withDryRun(true));
    assertThat(dry.dryRun()).isTrue();
    assertThat(dry.replayed()).isEqualTo(sent.size());
    assertThat(dl.stats(topic).total()).isEqualTo(sent.size());

    DeadLetter alpha1 =
        dl.browse(topic, DeadLetterFilter.ALL).stream()
            .filter(d -> d.message().payloadAsText().equals("alpha-1"))
            .findFirst()
            .orElseThrow();
    DeadLetterSummary one =
        dl.replay(
            topic, DeadLetterFilter.ALL.withIds(Set.of(alpha1.id())), ReplayOptions.defaults());
    assertThat(one.replayed()).isEqualTo(1);
    await().atMost(WAIT).until(() -> handler.handled.size() == 1);
    assertThat(text(handler.handled.peek())).isEqualTo("alpha-1");

    DeadLetterSummary purged =
        dl.purge(topic, DeadLetterFilter.ALL.withReasonContaining("BETA"), PurgeOptions.defaults());
    assertThat(purged.purged()).isEqualTo(4);
    List<String> left =
        dl.browse(topic, DeadLetterFilter.ALL).stream()
            .map(d -> d.message().payloadAsText())
            .collect(Collectors.toList());
    assertThat(left).containsExactly("alpha-0", "alpha-2", "alpha-3");

    DeadLetterSummary limited =
        dl.purge(topic, DeadLetterFilter.ALL.withLimit(1), PurgeOptions.defaults());
    assertThat(limited.purged()).isEqualTo(1);
    assertThat(dl.stats(topic).total()).isEqualTo(2);
  }
}
