package io.agentmq.test;

import io.agentmq.api.Admin;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingObserver;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Outcome;
import io.agentmq.api.Producer;
import io.agentmq.api.RetryPolicy;
import io.agentmq.api.Subscriber;
import io.agentmq.api.SubscriberStatus;
import io.agentmq.api.TopicSpec;
import io.agentmq.api.deadletter.DeadLetter;
import io.agentmq.api.deadletter.DeadLetterFilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One test's messaging: a {@link MessageQueue} on the chosen backend, the messages it published,
 * settled and dead-lettered, {@link #awaitIdle()} and a {@link TestClock}; closed after the test.
 *
 * <p>Given to a test by {@link AgentMqExtension}. The backend is the in-memory broker unless {@code
 * MQ_BROKER_TYPE} (or the system property {@value AgentMqExtension#BROKER_PROPERTY}) names another;
 * its settings come from the environment as in {@link MqConfig#load()}. Name topics with {@link
 * #topic(String)}: the name is unique to the test, so tests on a shared Kafka or RabbitMQ never see
 * each other's messages, and the topics are deleted after the test. Thread-safe.
 */
public final class TestBroker implements AutoCloseable {
  /** How long {@link #awaitIdle()} and {@link TestClock#advance} wait for the messaging. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** The in-memory broker's status detail: lag held behind retries not yet due. */
  private static final String LAG_WAITING_FOR_RETRY = "lagWaitingForRetry";

  private static final Logger log = LoggerFactory.getLogger(TestBroker.class);

  /** On a real broker the lag is read back from it: idle must hold this long to count. */
  private static final Duration REAL_BROKER_QUIET = Duration.ofMillis(300);

  private final MessageQueue queue;
  private final TestClock clock;
  private final Recorder recorder = new Recorder();
  private final MessagingObserver.Registration registration;
  private final String suffix = UUID.randomUUID().toString().substring(0, 8);
  private final Set<String> topics = new LinkedHashSet<>();
  private Producer producer;

  /**
   * Opens the queue: environment, then {@code brokerType} if not null, then {@code settings}.
   *
   * @throws io.agentmq.api.ConfigException when a setting is invalid or the backend is not
   *     installed
   */
  static TestBroker start(String brokerType, Consumer<MqConfig.Builder> settings) {
    MqConfig.Builder builder = MqConfig.builder().environment(System.getenv());
    if (brokerType != null && !brokerType.isBlank()) {
      builder.brokerType(brokerType);
    }
    settings.accept(builder);
    boolean memory = "memory".equals(builder.build().brokerType());
    return new TestBroker(builder, memory);
  }

  private TestBroker(MqConfig.Builder builder, boolean memory) {
    this.clock = new TestClock(memory, () -> awaitOnlyRetries(DEFAULT_TIMEOUT));
    this.queue = MessageQueue.create(builder.clock(clock).build());
    this.registration = queue.observe(recorder);
  }

  /** The queue, on the backend {@link #backend()} names. Closed after the test. */
  public MessageQueue queue() {
    return queue;
  }

  /** The backend's name: {@code memory}, {@code kafka} or {@code amqp}. */
  public String backend() {
    return queue.backend();
  }

  /** One producer of the queue, shared by the test. */
  public synchronized Producer producer() {
    if (producer == null) {
      producer = queue.createProducer();
    }
    return producer;
  }

  /**
   * A topic name unique to this test, {@code name} with a suffix ({@code orders-1f0c9a2e}); the
   * same for the same {@code name} within the test. The topic, its dead-letter topic and its retry
   * topics are deleted after the test.
   *
   * @throws io.agentmq.api.InvalidMessageException when {@code name} is not a valid topic name
   */
  public synchronized String topic(String name) {
    String unique = TopicSpec.requireValidName(TopicSpec.requireValidName(name) + "-" + suffix);
    topics.add(unique);
    return unique;
  }

  /** The time the backend's retry backoff runs on; see {@link TestClock}. */
  public TestClock clock() {
    return clock;
  }

  /**
   * The messages the broker stored on {@code topic} from this queue's producers and handlers, in
   * the order it acknowledged them; a snapshot.
   */
  public List<Message> published(String topic) {
    return recorder.published(topic);
  }

  /**
   * The dead letters of {@code topic} (or of the dead-letter topic so named), oldest first per
   * partition, read from the broker with their {@code mq-dlq-*} headers. Call {@link #awaitIdle()}
   * first so that the ones still being written are there.
   */
  public List<DeadLetter> deadLettered(String topic) {
    return queue.deadLetters().browse(topic, DeadLetterFilter.ALL);
  }

  /** How deliveries of {@code topic} were settled, in the order they were; a snapshot. */
  public List<Settled> settled(String topic) {
    return recorder.settled(topic);
  }

  /** The outcomes of {@link #settled(String)}, in order. */
  public List<Outcome> outcomes(String topic) {
    return settled(topic).stream().map(Settled::outcome).toList();
  }

  /** {@link #awaitIdle(Duration)} with {@link #DEFAULT_TIMEOUT}. */
  public void awaitIdle() {
    awaitIdle(DEFAULT_TIMEOUT);
  }

  /**
   * Waits until the messaging is idle: every running subscriber has no delivery in flight and
   * nothing left to handle (a message waiting for its retry included), and nothing happened while
   * this looked. On Kafka and RabbitMQ, whose lag is read back from the broker, idle must hold for
   * 300 ms to count.
   *
   * @throws AssertionError after {@code timeout}, naming each subscriber still busy and each
   *     message still waiting for a retry
   */
  public void awaitIdle(Duration timeout) {
    await(timeout, false);
  }

  /**
   * Waits until the only work left is retries waiting for their backoff: nothing in flight, and
   * every subscriber with work left has a message waiting for a retry.
   */
  private void awaitOnlyRetries(Duration timeout) {
    await(timeout, true);
  }

  private void await(Duration timeout, boolean retriesMayWait) {
    boolean memory = clock.drivesBroker();
    long pollNanos = memory ? TimeUnit.MILLISECONDS.toNanos(1) : TimeUnit.MILLISECONDS.toNanos(25);
    long quietNanos = memory ? 3 * pollNanos : REAL_BROKER_QUIET.toNanos();
    long deadline = System.nanoTime() + timeout.toNanos();
    long idleSince = 0;
    while (true) {
      long before = recorder.events();
      List<String> busy = busy(retriesMayWait);
      long now = System.nanoTime();
      if (busy.isEmpty() && recorder.events() == before) {
        if (idleSince == 0) {
          idleSince = now;
        } else if (now - idleSince >= quietNanos) {
          return;
        }
      } else {
        idleSince = 0;
      }
      if (now - deadline > 0) {
        if (busy.isEmpty()) {
          busy.add("messages kept being published or handled while it looked");
        }
        throw new AssertionError(notIdle(timeout, busy, retriesMayWait));
      }
      LockSupport.parkNanos(pollNanos);
    }
  }

  /** What keeps the messaging busy now, one line each; empty when idle. */
  private List<String> busy(boolean retriesMayWait) {
    List<String> busy = new ArrayList<>();
    Set<String> groups = new HashSet<>();
    for (Subscriber subscriber : queue.subscribers()) {
      SubscriberStatus status = subscriber.status();
      groups.add(status.group());
      long lag = status.lag().orElse(0);
      long left = retriesMayWait ? lag - lagWaitingForRetry(status) : lag;
      if (status.inFlight() > 0 || left > 0) {
        busy.add(
            "subscriber of "
                + status.topics()
                + " (group "
                + status.group()
                + "): "
                + status.inFlight()
                + " in flight, "
                + lag
                + " not yet acknowledged");
      }
    }
    int running = recorder.running();
    if (running > 0) {
      busy.add(running + " delivery(ies) still in a handler");
    }
    if (!retriesMayWait) {
      for (Recorder.WaitingRetry retry : recorder.waitingRetries()) {
        if (!groups.contains(retry.group())) {
          continue; // its subscriber was closed: nothing will retry it in this test
        }
        busy.add(
            "message "
                + retry.messageId()
                + " of '"
                + retry.topic()
                + "' (group "
                + retry.group()
                + ") waits for its retry after failed attempt "
                + retry.failedAttempt());
      }
    }
    return busy;
  }

  /**
   * The part of the lag the in-memory broker says waits for a retry not yet due; 0 from a backend
   * that does not say (the kit only asks on the in-memory broker, whose retries follow the clock).
   */
  private static long lagWaitingForRetry(SubscriberStatus status) {
    return status.details().get(LAG_WAITING_FOR_RETRY) instanceof Number n ? n.longValue() : 0;
  }

  private String notIdle(Duration timeout, List<String> busy, boolean retriesMayWait) {
    StringBuilder out =
        new StringBuilder(
            retriesMayWait
                ? "clock().advance(): the work that can run now did not finish within "
                : "awaitIdle(): the messaging is not idle after ");
    out.append(timeout.toMillis()).append(" ms on the ").append(backend()).append(" broker:");
    busy.forEach(line -> out.append("\n  - ").append(line));
    if (!retriesMayWait && busy.stream().anyMatch(l -> l.contains("waits for its retry"))) {
      out.append(
          clock.drivesBroker()
              ? "\nA retry waits for its backoff on broker.clock(): move it past the backoff"
                  + " with clock().advance(...) before awaitIdle()."
              : "\nRetries wait in real time on this broker: give awaitIdle a longer timeout"
                  + " or a shorter retry.initial_backoff_ms / retry.max_backoff_ms.");
    }
    return out.toString();
  }

  /**
   * Closes the subscribers, deletes the topics named through {@link #topic(String)} (with their
   * dead-letter and retry topics), then closes the queue. A topic that cannot be deleted is logged,
   * not thrown: it does not change the test's result. Idempotent.
   */
  @Override
  public void close() {
    List<Subscriber> subscribers = queue.subscribers();
    Set<String> groups = subscribers.stream().map(Subscriber::group).collect(Collectors.toSet());
    try {
      subscribers.forEach(Subscriber::close);
      registration.close();
      Admin admin = queue.admin();
      List<String> names;
      synchronized (this) {
        names = List.copyOf(topics);
        topics.clear();
      }
      for (String topic : names) {
        List<String> all = new ArrayList<>(List.of(topic, DeadLetterPolicy.deadLetterTopic(topic)));
        groups.forEach(group -> all.add(RetryPolicy.retryTopic(topic, group)));
        for (String name : all) {
          delete(admin, name);
        }
      }
    } catch (IllegalStateException alreadyClosed) {
      // The queue was closed before: nothing left to clean up.
    } finally {
      queue.close();
    }
  }

  private static void delete(Admin admin, String topic) {
    try {
      if (TopicSpec.isValidName(topic)) {
        admin.deleteTopic(topic);
      }
    } catch (RuntimeException e) {
      log.warn("Could not delete test topic '{}' after the test: {}", topic, e.toString());
    }
  }

  /**
   * How one delivery was settled.
   *
   * @param topic the topic it was delivered from
   * @param group the group it was delivered to
   * @param messageId the message's id
   * @param attempt which attempt this delivery was, from 1
   * @param outcome what was done with it
   * @param failure why its handler failed; empty when it succeeded
   */
  public record Settled(
      String topic,
      String group,
      String messageId,
      int attempt,
      Outcome outcome,
      Optional<Throwable> failure) {}
}
