package io.agentmq.micrometer;

import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Delivery;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingObserver;
import io.agentmq.api.Outcome;
import io.agentmq.api.RetryPolicy;
import io.agentmq.api.Subscriber;
import io.agentmq.api.SubscriberStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds a {@link MessageQueue}'s messaging to Micrometer: counters and timers from its {@link
 * MessagingObserver} events, gauges of its subscribers' lag, time lag and in-flight deliveries and
 * of its dead-letter topics' depth. Works the same on every backend.
 *
 * <pre>{@code
 * MessagingMetrics metrics = new MessagingMetrics(queue);
 * metrics.bindTo(registry);   // e.g. a PrometheusMeterRegistry served on /metrics
 * }</pre>
 *
 * <p>Meters (tags in braces):
 *
 * <ul>
 *   <li>{@value #DELIVERED} counter {topic, group}: deliveries handed to a handler, retries
 *       included.
 *   <li>{@value #HANDLED} timer {topic, group, outcome}: settled deliveries and their handler time;
 *       outcome {@code acknowledged}, {@code redelivery_scheduled} (retried), {@code retry_parked},
 *       {@code dead_lettered} or {@code discarded}.
 *   <li>{@value #SENT} timer {topic, result}: sends through the queue's producers until the broker
 *       stored them; result {@code success} or {@code failure}.
 *   <li>{@value #TIME_LAG} gauge, seconds {group, topic, partition}: how long the oldest message
 *       the group has not handled yet has waited (see {@link SubscriberStatus.TimeLag}); partition
 *       {@code none} on RabbitMQ, where it is the group's queue of the topic.
 *   <li>{@value #LAG} gauge, messages {group}: messages of the group's topics not acknowledged yet,
 *       where the backend knows it.
 *   <li>{@value #IN_FLIGHT} gauge {group}: deliveries in handlers now.
 *   <li>{@value #DEAD_LETTER_DEPTH} gauge {topic}: dead letters held by the dead-letter topic of a
 *       topic the queue consumes (asked of the broker at most every {@link #DEPTH_REFRESH}).
 * </ul>
 *
 * <p>The gauges read the subscribers' status at most once per {@link #STATUS_REFRESH} however often
 * they are scraped. Counting allocates nothing once a (topic, group) pair has its meters.
 * Thread-safe; {@link #close()} stops the counting (the meters stay in the registry).
 */
public final class MessagingMetrics implements MeterBinder, AutoCloseable {
  public static final String DELIVERED = "agentmq.consumer.delivered";
  public static final String HANDLED = "agentmq.consumer.handled";
  public static final String SENT = "agentmq.producer.sent";
  public static final String TIME_LAG = "agentmq.consumer.time.lag";
  public static final String LAG = "agentmq.consumer.lag";
  public static final String IN_FLIGHT = "agentmq.consumer.in.flight";
  public static final String DEAD_LETTER_DEPTH = "agentmq.deadletter.depth";

  /** How long one reading of the subscribers' status serves the gauges. */
  public static final Duration STATUS_REFRESH = Duration.ofSeconds(1);

  /** How long one count of a dead-letter topic serves its gauge. */
  public static final Duration DEPTH_REFRESH = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(MessagingMetrics.class);
  private static final Outcome[] OUTCOMES = Outcome.values();

  private final MessageQueue queue;
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, ConsumerMeters>> consumers =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Timer[]> producers = new ConcurrentHashMap<>();
  private final Map<String, Boolean> gauged = new ConcurrentHashMap<>();
  private volatile MeterRegistry registry;
  private double[] percentiles = new double[0];
  private volatile MessagingObserver.Registration registration;
  private volatile Snapshot snapshot = new Snapshot(0, Map.of());

  public MessagingMetrics(MessageQueue queue) {
    this.queue = Objects.requireNonNull(queue, "queue");
  }

  /**
   * Also publishes these percentiles (e.g. {@code 0.5, 0.99}) of the two timers, computed in this
   * process; none by default, as they cost CPU on every message (a registry's {@code MeterFilter}
   * or a server-side histogram are the other ways). Before {@link #bindTo}.
   */
  public synchronized MessagingMetrics withPercentiles(double... percentiles) {
    if (registry != null) {
      throw new IllegalStateException("set the percentiles before bindTo");
    }
    this.percentiles = percentiles.clone();
    return this;
  }

  /** Starts counting into {@code registry}; once only. */
  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    if (this.registry != null) {
      throw new IllegalStateException("these metrics are bound to a registry already");
    }
    this.registry = Objects.requireNonNull(registry, "registry");
    registration = queue.observe(new Counting());
    queue.subscribers().forEach(this::register);
  }

  /** Stops counting; the meters stay registered. Idempotent. */
  @Override
  public synchronized void close() {
    if (registration != null) {
      registration.close();
      registration = null;
    }
  }

  /** A subscriber's meters, registered before its first delivery. */
  private void register(Subscriber subscriber) {
    for (String topic : subscriber.topics()) {
      meters(topic, subscriber.group());
    }
    gaugeGroup(subscriber.group(), subscriber.topics());
  }

  private final class Counting implements MessagingObserver {
    @Override
    public void subscribed(Subscriber subscriber) {
      register(subscriber);
    }

    @Override
    public void delivered(Delivery delivery) {
      ConsumerMeters meters = meters(delivery.topic(), delivery.group());
      meters.delivered.increment();
      meters.gaugeLane(delivery.partition());
    }

    @Override
    public void settled(
        Delivery delivery, Outcome outcome, Optional<Throwable> failure, long handlerNanos) {
      meters(delivery.topic(), delivery.group())
          .handled[outcome.ordinal()]
          .record(handlerNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void published(String topic, Message message, long nanos) {
      sent(topic)[0].record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void publishFailed(String topic, Message message, Throwable failure, long nanos) {
      sent(topic)[1].record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  private ConsumerMeters meters(String topic, String group) {
    ConcurrentHashMap<String, ConsumerMeters> byGroup =
        consumers.computeIfAbsent(topic, t -> new ConcurrentHashMap<>());
    ConsumerMeters m = byGroup.get(group);
    return m != null ? m : byGroup.computeIfAbsent(group, g -> new ConsumerMeters(topic, g));
  }

  private Timer[] sent(String topic) {
    Timer[] t = producers.get(topic);
    return t != null
        ? t
        : producers.computeIfAbsent(
            topic, k -> new Timer[] {sentTimer(k, "success"), sentTimer(k, "failure")});
  }

  private Timer sentTimer(String topic, String result) {
    return Timer.builder(SENT)
        .description("sends until the broker stored them (or failed)")
        .tag("topic", topic)
        .tag("result", result)
        .publishPercentiles(percentiles)
        .register(registry);
  }

  /** The meters of one (topic, group): made once, then only looked up. */
  private final class ConsumerMeters {
    final String topic;
    final String group;
    final Counter delivered;
    final Timer[] handled = new Timer[OUTCOMES.length];

    /** Partitions whose time-lag gauge is registered; looked up per delivery without allocating. */
    private final Set<Integer> gaugedPartitions = ConcurrentHashMap.newKeySet();

    ConsumerMeters(String topic, String group) {
      this.topic = topic;
      this.group = group;
      delivered =
          Counter.builder(DELIVERED)
              .description("deliveries handed to a handler, retries included")
              .tag("topic", topic)
              .tag("group", group)
              .register(registry);
      for (Outcome o : OUTCOMES) {
        handled[o.ordinal()] =
            Timer.builder(HANDLED)
                .description("settled deliveries and their handler time, by outcome")
                .tag("topic", topic)
                .tag("group", group)
                .tag("outcome", o.name().toLowerCase(Locale.ROOT))
                .publishPercentiles(percentiles)
                .register(registry);
      }
      gaugeGroup(group, List.of(topic));
    }

    /** Registers the time-lag gauge of {@code partition} (-1: a queue's) on its first delivery. */
    void gaugeLane(int partition) {
      // Partitions up to 127 box to cached Integers: no allocation once registered.
      if (gaugedPartitions.contains(partition) || !gaugedPartitions.add(partition)) {
        return;
      }
      Gauge.builder(TIME_LAG, () -> timeLagSeconds(group, topic, partition))
          .description("how long the oldest message the group has not handled yet has waited")
          .tag("group", group)
          .tag("topic", topic)
          .tag("partition", partition < 0 ? "none" : Integer.toString(partition))
          .baseUnit("seconds")
          .strongReference(true)
          .register(registry);
    }
  }

  // ---- gauges -----------------------------------------------------------------------------

  /** The group's gauges and its topics' dead-letter depths, registered once. */
  private void gaugeGroup(String group, List<String> topics) {
    if (gauged.putIfAbsent("group\u0000" + group, true) == null) {
      Gauge.builder(LAG, () -> groupValue(group, SubscriberStatusValue.LAG))
          .description("messages of the group's topics not acknowledged yet")
          .tag("group", group)
          .baseUnit("messages")
          .strongReference(true)
          .register(registry);
      Gauge.builder(IN_FLIGHT, () -> groupValue(group, SubscriberStatusValue.IN_FLIGHT))
          .description("deliveries in the group's handlers now")
          .tag("group", group)
          .strongReference(true)
          .register(registry);
    }
    for (String topic : topics) {
      if (topic.endsWith(DeadLetterPolicy.SUFFIX) || topic.endsWith(RetryPolicy.RETRY_SUFFIX)) {
        continue;
      }
      String deadLetterTopic = DeadLetterPolicy.deadLetterTopic(topic);
      if (gauged.putIfAbsent("dlq\u0000" + deadLetterTopic, true) == null) {
        Depth depth = new Depth(deadLetterTopic);
        Gauge.builder(DEAD_LETTER_DEPTH, depth::value)
            .description("dead letters the dead-letter topic holds")
            .tag("topic", deadLetterTopic)
            .baseUnit("messages")
            .strongReference(true)
            .register(registry);
      }
    }
  }

  private enum SubscriberStatusValue {
    LAG,
    IN_FLIGHT
  }

  private double groupValue(String group, SubscriberStatusValue value) {
    List<SubscriberStatus> statuses = statuses().getOrDefault(group, List.of());
    if (statuses.isEmpty()) {
      return Double.NaN;
    }
    double v = 0;
    for (SubscriberStatus s : statuses) {
      if (value == SubscriberStatusValue.IN_FLIGHT) {
        v += s.inFlight();
      } else if (s.lag().isPresent()) {
        // Subscribers of one group in one process see the same backlog (a queue's depth) or parts
        // of it (their partitions): the largest is the one figure that never double-counts.
        v = Math.max(v, s.lag().getAsLong());
      } else {
        return Double.NaN;
      }
    }
    return v;
  }

  private double timeLagSeconds(String group, String topic, int partition) {
    double seconds = 0;
    for (SubscriberStatus s : statuses().getOrDefault(group, List.of())) {
      for (SubscriberStatus.TimeLag t : s.timeLags()) {
        if (t.partition() == partition && t.topic().equals(topic)) {
          seconds = Math.max(seconds, t.age().toNanos() / 1e9);
        }
      }
    }
    return seconds;
  }

  /** The subscribers' status by group, read at most once per {@link #STATUS_REFRESH}. */
  private Map<String, List<SubscriberStatus>> statuses() {
    Snapshot s = snapshot;
    long now = System.nanoTime();
    if (s.readNanos != 0 && now - s.readNanos < STATUS_REFRESH.toNanos()) {
      return s.byGroup;
    }
    Map<String, List<SubscriberStatus>> byGroup = new HashMap<>();
    for (Subscriber subscriber : queue.subscribers()) {
      try {
        byGroup
            .computeIfAbsent(subscriber.group(), g -> new ArrayList<>())
            .add(subscriber.status());
      } catch (RuntimeException e) {
        log.debug("status of a subscriber of {} failed: {}", subscriber.group(), e.toString());
      }
    }
    snapshot = new Snapshot(now, byGroup);
    return byGroup;
  }

  private record Snapshot(long readNanos, Map<String, List<SubscriberStatus>> byGroup) {}

  /** One dead-letter topic's count, asked of the broker at most once per {@link #DEPTH_REFRESH}. */
  private final class Depth {
    private final String topic;
    private volatile long readNanos;
    private volatile double value = Double.NaN;

    Depth(String topic) {
      this.topic = topic;
    }

    double value() {
      long now = System.nanoTime();
      if (readNanos == 0 || now - readNanos >= DEPTH_REFRESH.toNanos()) {
        readNanos = now;
        try {
          value = queue.deadLetters().stats(topic).total();
        } catch (RuntimeException e) {
          log.debug("counting the dead letters of {} failed: {}", topic, e.toString());
          value = Double.NaN;
        }
      }
      return value;
    }
  }
}
