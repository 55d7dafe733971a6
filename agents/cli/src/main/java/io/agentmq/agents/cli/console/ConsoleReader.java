package io.agentmq.agents.cli.console;

import io.agentmq.agents.cli.console.ConsoleSnapshot.ConsumerRow;
import io.agentmq.agents.cli.console.ConsoleSnapshot.DeadLetterRow;
import io.agentmq.agents.cli.console.ConsoleSnapshot.GroupRow;
import io.agentmq.agents.cli.console.ConsoleSnapshot.TopicRow;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.Subscriber;
import io.agentmq.api.SubscriberStatus;
import io.agentmq.api.deadletter.DeadLetterStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a {@link ConsoleSnapshot} from a queue (its subscribers' status, topics and dead-letter
 * statistics) and the rate history, sharing one reading among the requests of {@link #CACHE_TIME}
 * so that page loads cannot turn into a stream of broker calls. Thread-safe.
 */
final class ConsoleReader {
  /** How long one reading answers requests. */
  static final Duration CACHE_TIME = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(ConsoleReader.class);

  private final MessageQueue queue;
  private final RateHistory rates;
  private final Duration sampleInterval;
  private final boolean readOnly;
  private final int samplesPerMinute;
  private ConsoleSnapshot cached;
  private long readAt;

  ConsoleReader(MessageQueue queue, RateHistory rates, Duration sampleInterval, boolean readOnly) {
    this.queue = queue;
    this.rates = rates;
    this.sampleInterval = sampleInterval;
    this.readOnly = readOnly;
    this.samplesPerMinute =
        (int) Math.max(1, Duration.ofMinutes(1).toMillis() / sampleInterval.toMillis());
  }

  /** The latest reading, taken now when the cached one is older than {@link #CACHE_TIME}. */
  synchronized ConsoleSnapshot snapshot() {
    long now = System.nanoTime();
    if (cached == null || now - readAt >= CACHE_TIME.toNanos()) {
      cached = read();
      readAt = System.nanoTime();
    }
    return cached;
  }

  /** Forgets the cached reading, e.g. after a replay or purge changed the counts. */
  synchronized void invalidate() {
    cached = null;
  }

  private ConsoleSnapshot read() {
    List<SubscriberStatus> statuses = statuses();
    Map<String, List<SubscriberStatus>> byGroup = new TreeMap<>();
    Set<String> topics = new TreeSet<>(rates.topics());
    for (SubscriberStatus s : statuses) {
      byGroup.computeIfAbsent(s.group(), g -> new ArrayList<>()).add(s);
      topics.addAll(s.topics());
    }
    Set<String> deadLetterTopics = new TreeSet<>();
    try {
      topics.addAll(queue.admin().listTopics());
    } catch (RuntimeException e) {
      LOG.warn("the console could not list the topics: {}", e.getClass().getName());
    }
    for (String t : List.copyOf(topics)) {
      if (t.endsWith(DeadLetterPolicy.SUFFIX)) {
        topics.remove(t);
        deadLetterTopics.add(t);
      } else if (byGroup.values().stream()
          .flatMap(List::stream)
          .anyMatch(s -> s.topics().contains(t))) {
        deadLetterTopics.add(DeadLetterPolicy.deadLetterTopic(t));
      }
    }
    List<DeadLetterRow> deadLetters = new ArrayList<>();
    Map<String, OptionalLong> depth = new TreeMap<>();
    for (String dlq : deadLetterTopics) {
      DeadLetterRow row = deadLetterRow(dlq);
      deadLetters.add(row);
      depth.put(dlq, row.total());
    }
    return new ConsoleSnapshot(
        queue.backend(),
        brokerUp(),
        Instant.now(),
        topicRows(topics, byGroup, depth),
        groupRows(byGroup),
        consumerRows(statuses),
        deadLetters,
        rates.sum(RateHistory.handled("")),
        rates.sum(RateHistory.sent("")),
        sampleInterval,
        readOnly);
  }

  private List<SubscriberStatus> statuses() {
    List<SubscriberStatus> statuses = new ArrayList<>();
    for (Subscriber subscriber : queue.subscribers()) {
      try {
        statuses.add(subscriber.status());
      } catch (RuntimeException e) {
        statuses.add(
            new SubscriberStatus(
                subscriber.group(),
                subscriber.topics(),
                false,
                Duration.ZERO,
                0,
                OptionalLong.empty(),
                List.of(),
                Optional.of("its status could not be read: " + e.getClass().getName()),
                Map.of()));
      }
    }
    return statuses;
  }

  private boolean brokerUp() {
    try {
      return queue.health().isUp();
    } catch (RuntimeException e) {
      return false;
    }
  }

  private DeadLetterRow deadLetterRow(String topic) {
    try {
      DeadLetterStats stats = queue.deadLetters().stats(topic);
      return new DeadLetterRow(
          topic,
          OptionalLong.of(stats.total()),
          stats.byReason(),
          stats.oldest(),
          Optional.empty());
    } catch (RuntimeException e) {
      return new DeadLetterRow(
          topic,
          OptionalLong.empty(),
          Map.of(),
          Optional.empty(),
          Optional.of(e.getClass().getName()));
    }
  }

  private List<TopicRow> topicRows(
      Set<String> topics,
      Map<String, List<SubscriberStatus>> byGroup,
      Map<String, OptionalLong> depth) {
    List<TopicRow> rows = new ArrayList<>();
    for (String topic : topics) {
      List<String> groups = new ArrayList<>();
      Duration timeLag = Duration.ZERO;
      for (Map.Entry<String, List<SubscriberStatus>> g : byGroup.entrySet()) {
        boolean consumes = false;
        for (SubscriberStatus s : g.getValue()) {
          consumes |= s.topics().contains(topic);
          for (SubscriberStatus.TimeLag t : s.timeLags()) {
            if (t.topic().equals(topic) && t.age().compareTo(timeLag) > 0) {
              timeLag = t.age();
            }
          }
        }
        if (consumes) {
          groups.add(g.getKey());
        }
      }
      rows.add(
          new TopicRow(
              topic,
              groups,
              rates.average(RateHistory.sent(topic), samplesPerMinute),
              rates.average(RateHistory.handled(topic), samplesPerMinute),
              timeLag,
              rates.rates(RateHistory.handled(topic)),
              depth.getOrDefault(DeadLetterPolicy.deadLetterTopic(topic), OptionalLong.empty())));
    }
    return rows;
  }

  private List<GroupRow> groupRows(Map<String, List<SubscriberStatus>> byGroup) {
    List<GroupRow> rows = new ArrayList<>();
    byGroup.forEach(
        (group, statuses) -> {
          Set<String> topics = new TreeSet<>();
          long lag = 0;
          boolean lagKnown = true;
          Duration timeLag = Duration.ZERO;
          boolean up = true;
          for (SubscriberStatus s : statuses) {
            topics.addAll(s.topics());
            if (s.lag().isPresent()) {
              // Subscribers of one group see the same backlog or parts of it: the largest never
              // counts a message twice.
              lag = Math.max(lag, s.lag().getAsLong());
            } else {
              lagKnown = false;
            }
            timeLag = s.maxTimeLag().compareTo(timeLag) > 0 ? s.maxTimeLag() : timeLag;
            up &= s.isUp();
          }
          double handled = 0;
          for (String topic : topics) {
            handled += rates.average(RateHistory.handled(topic, group), samplesPerMinute);
          }
          rows.add(
              new GroupRow(
                  group,
                  List.copyOf(topics),
                  statuses.size(),
                  handled,
                  lagKnown ? OptionalLong.of(lag) : OptionalLong.empty(),
                  timeLag,
                  up));
        });
    return rows;
  }

  private static List<ConsumerRow> consumerRows(List<SubscriberStatus> statuses) {
    List<ConsumerRow> rows = new ArrayList<>();
    for (SubscriberStatus s : statuses) {
      rows.add(
          new ConsumerRow(
              s.group(),
              s.topics(),
              s.paused(),
              s.inFlight(),
              s.lag(),
              s.maxTimeLag(),
              s.sinceLastActivity(),
              s.problem()));
    }
    rows.sort((a, b) -> a.group().compareTo(b.group()));
    return rows;
  }
}
