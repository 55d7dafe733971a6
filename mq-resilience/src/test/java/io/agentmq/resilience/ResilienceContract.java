package io.agentmq.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Delivery;
import io.agentmq.api.Health;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import io.agentmq.api.NonRetryableException;
import io.agentmq.api.Outcome;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of the circuit breaker and the rate limits on a real backend: the breaker pauses and
 * resumes the subscription without losing, repeating or dead-lettering a message (counted against a
 * ledger), health names the open breaker, and the consume and publish limits let exactly their
 * permits through while a {@link ManualTimeSource} stands still. A backend runs it by extending
 * this class once.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
public abstract class ResilienceContract {
  private static final Duration WAIT = Duration.ofSeconds(90);

  /** How long "nothing more happens" is watched for: a condition held, not a sleep. */
  private static final Duration QUIET = Duration.ofSeconds(2);

  private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
  private final List<String> createdTopics = new CopyOnWriteArrayList<>();
  private final ExecutorService senders = Executors.newCachedThreadPool();

  /** Sets {@code broker_type} and whatever the backend needs to reach its broker. */
  protected abstract MqConfig.Builder configure(MqConfig.Builder builder);

  /** Whether the topics a test created are deleted after it (a broker shared across runs). */
  protected boolean deletesTopicsAfterEachTest() {
    return false;
  }

  @AfterEach
  void closeResources() throws Exception {
    senders.shutdownNow();
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

  private MessageQueue open() {
    MessageQueue queue =
        MessageQueue.create(
            configure(MqConfig.builder())
                .maxRetries(10)
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(20))
                .set(MqConfig.CONSUMER_CLOSE_TIMEOUT_MS, "10000")
                .build());
    resources.add(queue);
    return queue;
  }

  private String newTopic(String purpose) {
    String topic = "resil-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
    createdTopics.add(topic);
    return topic;
  }

  private static String group() {
    return "g-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String text(Delivery d) {
    return new String(d.payload(), StandardCharsets.UTF_8);
  }

  private static List<String> texts(Iterable<Delivery> deliveries) {
    List<String> out = new ArrayList<>();
    deliveries.forEach(d -> out.add(text(d)));
    return out;
  }

  private static List<String> numbered(String prefix, int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> prefix + i).toList();
  }

  private static void sendAll(Producer producer, String topic, List<String> payloads) {
    for (String payload : payloads) {
      producer.sendAndWait(topic, Message.of("one-key", payload.getBytes(StandardCharsets.UTF_8)));
    }
  }

  /** The handler of the breaker cases: fails while {@link #failing}, keeps a ledger otherwise. */
  private static final class Downstream {
    final AtomicBoolean failing = new AtomicBoolean(true);
    final ConcurrentLinkedQueue<Delivery> calls = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Delivery> handled = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

    void handle(Delivery d) {
      calls.add(d);
      if (failing.get()) {
        throw new IllegalStateException("downstream unavailable");
      }
      handled.add(d);
    }
  }

  private ResilientSubscriber subscribe(
      MessageQueue queue, String topic, Downstream downstream, ConsumePolicy policy) {
    ResilientSubscriber subscriber =
        ResilientSubscriptions.subscribe(
            queue,
            Subscription.to(topic)
                .group(group())
                .concurrency(1)
                .handler(downstream::handle)
                .observer((d, outcome, failure) -> downstream.outcomes.add(outcome))
                .build(),
            policy);
    resources.add(0, subscriber);
    return subscriber;
  }

  @Nested
  @DisplayName("circuit breaker")
  class Breaker {
    private final ManualTimeSource time = new ManualTimeSource();
    private final ConsumePolicy policy =
        ConsumePolicy.none()
            .withCircuitBreaker(
                BreakerPolicy.opensAfter(3, Duration.ofSeconds(60))
                    .withOpenFor(Duration.ofSeconds(10)))
            .withTime(time);

    @Test
    @DisplayName(
        "opens after 3 failures and pauses the subscriber: messages published meanwhile are not"
            + " handled, not dead-lettered; after the wait it probes, closes, and the backlog is"
            + " handled in order, nothing lost or repeated, no retries used up")
    void opensPausesProbesAndResumes() {
      MessageQueue queue = open();
      String topic = newTopic("breaker");
      Producer producer = queue.createProducer();
      Downstream downstream = new Downstream();
      ResilientSubscriber subscriber = subscribe(queue, topic, downstream, policy);

      sendAll(producer, topic, List.of("m0"));
      await()
          .atMost(WAIT)
          .until(
              () ->
                  subscriber.breakerStatus().orElseThrow().state() == BreakerStatus.State.OPEN
                      && subscriber.isPaused());
      assertThat(downstream.calls).as("the failures that opened the breaker").hasSize(3);

      downstream.failing.set(false);
      sendAll(producer, topic, numbered("m", 1, 10));
      await()
          .during(QUIET)
          .atMost(QUIET.multipliedBy(3))
          .until(() -> downstream.calls.size() == 3 && subscriber.isPaused());
      assertThat(downstream.handled).as("handled while the breaker is open").isEmpty();
      assertThat(downstream.outcomes).doesNotContain(Outcome.DEAD_LETTERED, Outcome.DISCARDED);

      time.advance(Duration.ofSeconds(10));
      await().atMost(WAIT).until(() -> downstream.handled.size() >= 10);
      await()
          .during(QUIET)
          .atMost(QUIET.multipliedBy(3))
          .until(() -> downstream.handled.size() == 10);

      assertThat(texts(downstream.handled))
          .as("the backlog, in publish order, each once")
          .containsExactlyElementsOf(numbered("m", 0, 10));
      List<Delivery> handled = List.copyOf(downstream.handled);
      assertThat(handled.get(0).attempt())
          .as("m0 failed twice, then the failure that opened the breaker kept its attempt")
          .isEqualTo(3);
      assertThat(handled.subList(1, 10))
          .as("messages published while open are handled at their first attempt")
          .allSatisfy(d -> assertThat(d.attempt()).isEqualTo(1));
      assertThat(downstream.outcomes).doesNotContain(Outcome.DEAD_LETTERED, Outcome.DISCARDED);
      assertThat(subscriber.breakerStatus().orElseThrow().state())
          .isEqualTo(BreakerStatus.State.CLOSED);
      assertThat(subscriber.isPaused()).isFalse();
      assertThat(subscriber.health().details()).containsEntry("circuitBreaker", "CLOSED");
    }

    @Test
    @DisplayName("health is DOWN while the breaker is open, with its state, rate and last failure")
    void healthShowsTheOpenBreaker() {
      MessageQueue queue = open();
      String topic = newTopic("health");
      Downstream downstream = new Downstream();
      ResilientSubscriber subscriber = subscribe(queue, topic, downstream, policy);
      assertThat(subscriber.health().details()).containsEntry("circuitBreaker", "CLOSED");

      sendAll(queue.createProducer(), topic, List.of("secret-payload"));
      await()
          .atMost(WAIT)
          .until(
              () -> subscriber.breakerStatus().orElseThrow().state() == BreakerStatus.State.OPEN);

      Health health = subscriber.health();
      assertThat(health.isUp()).isFalse();
      assertThat(health.details())
          .containsEntry("circuitBreaker", "OPEN")
          .containsEntry("circuitBreakerFailureRate", 100.0f)
          .containsEntry(
              "circuitBreakerLastFailure",
              "java.lang.IllegalStateException: downstream unavailable")
          .containsEntry("paused", true);
      assertThat((String) health.details().get("reason"))
          .contains("circuit breaker OPEN (consumer paused)")
          .contains("failure rate 100.0%")
          .contains("downstream unavailable");
      assertThat(health.toString()).doesNotContain("secret-payload");

      downstream.failing.set(false);
      time.advance(Duration.ofSeconds(10));
      await().atMost(WAIT).until(() -> downstream.handled.size() == 1);
      await().atMost(WAIT).until(() -> subscriber.health().details().get("reason") == null);
      assertThat(subscriber.health().details()).containsEntry("circuitBreaker", "CLOSED");
    }

    @Test
    @DisplayName("a probe that fails opens the breaker again for another wait")
    void failedProbeReopens() {
      MessageQueue queue = open();
      String topic = newTopic("reopen");
      Downstream downstream = new Downstream();
      ResilientSubscriber subscriber = subscribe(queue, topic, downstream, policy);

      sendAll(queue.createProducer(), topic, List.of("m0"));
      await()
          .atMost(WAIT)
          .until(
              () -> subscriber.breakerStatus().orElseThrow().state() == BreakerStatus.State.OPEN);
      time.advance(Duration.ofSeconds(10));
      await().atMost(WAIT).until(() -> downstream.calls.size() == 4);
      await()
          .atMost(WAIT)
          .until(
              () ->
                  subscriber.breakerStatus().orElseThrow().state() == BreakerStatus.State.OPEN
                      && subscriber.isPaused());

      downstream.failing.set(false);
      time.advance(Duration.ofSeconds(10));
      await().atMost(WAIT).until(() -> downstream.handled.size() == 1);
      assertThat(downstream.handled.peek().attempt())
          .as("no retries used up by probes")
          .isEqualTo(3);
      assertThat(downstream.outcomes).doesNotContain(Outcome.DEAD_LETTERED);
    }

    @Test
    @DisplayName("failures the classifier does not count (NonRetryableException) leave it closed")
    void uncountedFailuresLeaveItClosed() {
      MessageQueue queue = open();
      String topic = newTopic("uncounted");
      ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
      ResilientSubscriber subscriber =
          ResilientSubscriptions.subscribe(
              queue,
              Subscription.to(topic)
                  .group(group())
                  .concurrency(1)
                  .handler(
                      d -> {
                        throw new NonRetryableException("bad input");
                      })
                  .observer((d, outcome, failure) -> outcomes.add(outcome))
                  .build(),
              policy);
      resources.add(0, subscriber);

      sendAll(queue.createProducer(), topic, numbered("bad", 0, 5));
      await()
          .atMost(WAIT)
          .until(() -> outcomes.stream().filter(o -> o == Outcome.DEAD_LETTERED).count() == 5);
      assertThat(subscriber.breakerStatus().orElseThrow().state())
          .isEqualTo(BreakerStatus.State.CLOSED);
      assertThat(subscriber.isPaused()).isFalse();
      assertThat(subscriber.health().details()).doesNotContainKey("reason");
    }
  }

  @Nested
  @DisplayName("consume rate limit")
  class ConsumeLimit {
    @Test
    @DisplayName(
        "with 10 permits per period, exactly 10 are handled until the clock moves on; all in"
            + " order")
    void handlesExactlyThePermitsPerPeriod() {
      ManualTimeSource time = new ManualTimeSource();
      MessageQueue queue = open();
      String topic = newTopic("consume");
      Downstream downstream = new Downstream();
      downstream.failing.set(false);
      subscribe(
          queue,
          topic,
          downstream,
          ConsumePolicy.none()
              .withRateLimit(RateLimit.of(10, Duration.ofSeconds(1)))
              .withTime(time));
      sendAll(queue.createProducer(), topic, numbered("c", 0, 25));

      // The only consumer thread waits for the 11th permit: nothing more can be handled.
      await().atMost(WAIT).until(() -> downstream.handled.size() == 10 && time.sleepers() == 1);
      assertThat(downstream.handled).hasSize(10);

      time.advance(Duration.ofSeconds(1));
      await().atMost(WAIT).until(() -> downstream.handled.size() == 20 && time.sleepers() == 1);
      assertThat(downstream.handled).hasSize(20);

      time.advance(Duration.ofSeconds(1));
      await().atMost(WAIT).until(() -> downstream.handled.size() == 25);
      assertThat(texts(downstream.handled)).containsExactlyElementsOf(numbered("c", 0, 25));
      assertThat(downstream.outcomes).containsOnly(Outcome.ACKNOWLEDGED);
    }
  }

  @Nested
  @DisplayName("asynchronous handler")
  class AsyncHandler {
    @Test
    @DisplayName(
        "gets the same breaker and limit: 10 permits start 10 deliveries, the next waits on the"
            + " timer; an open breaker pauses it and a probe resumes it, nothing lost")
    void breakerAndLimitGuardAnAsyncHandler() {
      ManualTimeSource time = new ManualTimeSource();
      MessageQueue queue = open();
      String topic = newTopic("async");
      Downstream downstream = new Downstream();
      downstream.failing.set(false);
      ResilientSubscriber subscriber =
          ResilientSubscriptions.subscribe(
              queue,
              Subscription.to(topic)
                  .group(group())
                  .concurrency(1)
                  .asyncHandler(
                      d -> {
                        try {
                          downstream.handle(d);
                          return CompletableFuture.completedFuture(null);
                        } catch (RuntimeException e) {
                          return CompletableFuture.failedFuture(e);
                        }
                      })
                  .observer((d, outcome, failure) -> downstream.outcomes.add(outcome))
                  .build(),
              ConsumePolicy.none()
                  .withCircuitBreaker(
                      BreakerPolicy.opensAfter(3, Duration.ofSeconds(60))
                          .withOpenFor(Duration.ofSeconds(10)))
                  .withRateLimit(RateLimit.of(10, Duration.ofSeconds(1)))
                  .withTime(time));
      resources.add(0, subscriber);
      Producer producer = queue.createProducer();

      sendAll(producer, topic, numbered("a", 0, 12));
      await().atMost(WAIT).until(() -> downstream.handled.size() == 10 && time.pendingTasks() == 1);
      assertThat(downstream.handled).hasSize(10);
      downstream.failing.set(true);
      // Past the 11th permit's period and the breaker's window, so only the failures count.
      time.advance(Duration.ofSeconds(61));
      await()
          .atMost(WAIT)
          .until(
              () ->
                  subscriber.breakerStatus().orElseThrow().state() == BreakerStatus.State.OPEN
                      && subscriber.isPaused());
      assertThat(subscriber.health().isUp()).isFalse();

      downstream.failing.set(false);
      // Past the breaker's wait; the limiter's periods have passed too.
      time.advance(Duration.ofSeconds(10));
      await().atMost(WAIT).until(() -> downstream.handled.size() == 12);
      assertThat(texts(downstream.handled)).containsExactlyElementsOf(numbered("a", 0, 12));
      assertThat(downstream.outcomes).doesNotContain(Outcome.DEAD_LETTERED, Outcome.DISCARDED);
      assertThat(subscriber.breakerStatus().orElseThrow().state())
          .isEqualTo(BreakerStatus.State.CLOSED);
    }
  }

  @Nested
  @DisplayName("publish rate limit")
  class PublishLimit {
    @Test
    @DisplayName("with 10 permits per period, exactly 10 are sent until the clock moves on")
    void sendsExactlyThePermitsPerPeriod() throws Exception {
      ManualTimeSource time = new ManualTimeSource();
      MessageQueue queue = open();
      String topic = newTopic("publish");
      Downstream downstream = new Downstream();
      downstream.failing.set(false);
      subscribe(queue, topic, downstream, ConsumePolicy.none());
      Producer limited =
          ResilientSubscriptions.rateLimited(
              queue.createProducer(), RateLimit.of(10, Duration.ofSeconds(1)), time);

      AtomicInteger sent = new AtomicInteger();
      Future<?> sender =
          senders.submit(
              () -> {
                for (String payload : numbered("p", 0, 15)) {
                  sendAll(limited, topic, List.of(payload));
                  sent.incrementAndGet();
                }
              });
      await().atMost(WAIT).until(() -> sent.get() == 10 && time.sleepers() == 1);
      assertThat(sent.get()).isEqualTo(10);
      await().atMost(WAIT).until(() -> downstream.handled.size() == 10);

      time.advance(Duration.ofSeconds(1));
      sender.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      await().atMost(WAIT).until(() -> downstream.handled.size() == 15);
      assertThat(texts(downstream.handled)).containsExactlyElementsOf(numbered("p", 0, 15));
    }

    @Test
    @DisplayName("past its max wait a send fails fast with a retriable error naming the limit")
    void failsFastPastMaxWait() {
      ManualTimeSource time = new ManualTimeSource();
      MessageQueue queue = open();
      String topic = newTopic("failfast");
      Downstream downstream = new Downstream();
      downstream.failing.set(false);
      subscribe(queue, topic, downstream, ConsumePolicy.none());
      Producer limited =
          ResilientSubscriptions.rateLimited(
              queue.createProducer(),
              RateLimit.of(2, Duration.ofSeconds(1)).withMaxWait(Duration.ZERO),
              time);
      sendAll(limited, topic, List.of("a", "b"));

      assertThatThrownBy(() -> sendAll(limited, topic, List.of("c")))
          .isInstanceOf(MessagingException.class)
          .matches(e -> ((MessagingException) e).isRetriable(), "is retriable")
          .hasMessageContaining("publish rate limit (2 per PT1S (max wait PT0S))")
          .hasMessageContaining("raise the permits or the max wait");

      time.advance(Duration.ofSeconds(1));
      sendAll(limited, topic, List.of("c"));
      await().atMost(WAIT).until(() -> downstream.handled.size() == 3);
      assertThat(texts(downstream.handled))
          .as("the refused send sent nothing")
          .containsExactly("a", "b", "c");
    }
  }
}
