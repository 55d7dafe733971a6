package io.agentmq.spi.support;

import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.TopicSpec;
import io.agentmq.api.deadletter.DeadLetter;
import io.agentmq.api.deadletter.DeadLetterFilter;
import io.agentmq.api.deadletter.DeadLetterProgress;
import io.agentmq.api.deadletter.DeadLetterStats;
import io.agentmq.api.deadletter.DeadLetterSummary;
import io.agentmq.api.deadletter.DeadLetterSummary.Operation;
import io.agentmq.api.deadletter.DeadLetters;
import io.agentmq.api.deadletter.PurgeOptions;
import io.agentmq.api.deadletter.ReplayOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter rules shared by every backend — which dead letters a filter takes, the loop
 * guard, dry runs, commit intervals and progress — over a backend's {@link DeadLetterStore}.
 */
public final class DeadLetterOperations implements DeadLetters {
  private static final Logger log = LoggerFactory.getLogger(DeadLetterOperations.class);

  private final DeadLetterStore store;

  public DeadLetterOperations(DeadLetterStore store) {
    this.store = store;
  }

  /** {@code topic} if it is a dead-letter topic, else {@code <topic>.deadletter}. */
  public static String deadLetterTopic(String topic) {
    TopicSpec.requireValidName(topic);
    return topic.endsWith(DeadLetterPolicy.SUFFIX)
        ? topic
        : DeadLetterPolicy.deadLetterTopic(topic);
  }

  @Override
  public DeadLetterStats stats(String topic) {
    String deadLetterTopic = deadLetterTopic(topic);
    long total = 0;
    Map<String, Long> byTopic = new TreeMap<>();
    Map<String, Long> byReason = new TreeMap<>();
    Map<String, Long> byException = new TreeMap<>();
    Map<String, Long> byAge = new LinkedHashMap<>();
    for (String bucket : new String[] {"<1h", "1h-24h", "1d-7d", ">7d", "unknown"}) {
      byAge.put(bucket, 0L);
    }
    Map<Integer, Long> byReplayCount = new TreeMap<>();
    Instant oldest = null;
    Instant newest = null;
    Instant now = Instant.now();
    try (DeadLetterPass pass = store.read(deadLetterTopic)) {
      for (Optional<DeadLetter> next = pass.next(); next.isPresent(); next = pass.next()) {
        DeadLetter d = next.get();
        total++;
        byTopic.merge(d.originalTopic().orElse("(none)"), 1L, Long::sum);
        byReason.merge(leadingPhrase(d.reason().orElse("(none)")), 1L, Long::sum);
        byException.merge(d.exception().orElse("(none)"), 1L, Long::sum);
        byReplayCount.merge(d.replayCount(), 1L, Long::sum);
        Optional<Instant> at = d.failedAt();
        byAge.merge(
            at.map(a -> ageBucket(Duration.between(a, now))).orElse("unknown"), 1L, Long::sum);
        if (at.isPresent()) {
          oldest = oldest == null || at.get().isBefore(oldest) ? at.get() : oldest;
          newest = newest == null || at.get().isAfter(newest) ? at.get() : newest;
        }
      }
    }
    return new DeadLetterStats(
        deadLetterTopic,
        total,
        Collections.unmodifiableMap(byTopic),
        Collections.unmodifiableMap(byReason),
        Collections.unmodifiableMap(byException),
        Collections.unmodifiableMap(byAge),
        Collections.unmodifiableMap(byReplayCount),
        Optional.ofNullable(oldest),
        Optional.ofNullable(newest));
  }

  /** The reason up to its first {@code ": "}: what happened, without the exception's text. */
  private static String leadingPhrase(String reason) {
    int colon = reason.indexOf(": ");
    return colon < 0 ? reason : reason.substring(0, colon);
  }

  private static String ageBucket(Duration age) {
    if (age.compareTo(Duration.ofHours(1)) < 0) {
      return "<1h";
    }
    if (age.compareTo(Duration.ofDays(1)) < 0) {
      return "1h-24h";
    }
    return age.compareTo(Duration.ofDays(7)) < 0 ? "1d-7d" : ">7d";
  }

  @Override
  public long browse(String topic, DeadLetterFilter filter, Consumer<DeadLetter> each) {
    long handed = 0;
    try (DeadLetterPass pass = store.read(deadLetterTopic(topic))) {
      for (Optional<DeadLetter> next = pass.next();
          next.isPresent() && handed < filter.limit();
          next = pass.next()) {
        if (filter.matches(next.get())) {
          each.accept(next.get());
          handed++;
        }
      }
    }
    return handed;
  }

  @Override
  public DeadLetterSummary replay(String topic, DeadLetterFilter filter, ReplayOptions options) {
    return run(
        Operation.REPLAY,
        deadLetterTopic(topic),
        filter,
        options.dryRun(),
        options.commitEvery(),
        options.progress(),
        options.maxReplays());
  }

  @Override
  public DeadLetterSummary purge(String topic, DeadLetterFilter filter, PurgeOptions options) {
    return run(
        Operation.PURGE,
        deadLetterTopic(topic),
        filter,
        options.dryRun(),
        options.commitEvery(),
        options.progress(),
        Integer.MAX_VALUE);
  }

  /** One replay or purge pass. */
  private DeadLetterSummary run(
      Operation operation,
      String deadLetterTopic,
      DeadLetterFilter filter,
      boolean dryRun,
      int commitEvery,
      DeadLetterProgress progress,
      int maxReplays) {
    long examined = 0;
    long taken = 0;
    long replayed = 0;
    long purged = 0;
    long parked = 0;
    long unreplayable = 0;
    long skipped = 0;
    try (DeadLetterPass pass =
        dryRun ? store.read(deadLetterTopic) : store.settle(deadLetterTopic)) {
      long total = pass.size();
      // At the limit the rest is kept, not examined.
      for (Optional<DeadLetter> next = taken < filter.limit() ? pass.next() : Optional.empty();
          next.isPresent();
          next = taken < filter.limit() ? pass.next() : Optional.empty()) {
        DeadLetter d = next.get();
        examined++;
        if (!filter.matches(d)) {
          skipped++;
          keep(pass, d, dryRun);
        } else {
          taken++;
          if (operation == Operation.PURGE) {
            purged++;
            if (!dryRun) {
              pass.remove(d);
            }
          } else if (!d.replayable()) {
            unreplayable++;
            keep(pass, d, dryRun);
          } else if (d.replayCount() >= maxReplays) {
            parked++;
            keep(pass, d, dryRun);
          } else {
            replayed++;
            if (!dryRun) {
              pass.replay(d, d.originalTopic().orElseThrow(), d.toReplay());
            }
          }
        }
        if (!dryRun && examined % commitEvery == 0) {
          pass.commit();
        }
        progress.update(examined, total);
      }
      if (!dryRun) {
        if (taken >= filter.limit() && !pass.leavesUnreadInPlace()) {
          keepRest(pass, commitEvery);
        }
        pass.commit();
      }
    }
    DeadLetterSummary summary =
        new DeadLetterSummary(
            operation, examined, replayed, purged, parked, unreplayable, skipped, dryRun);
    if (!dryRun) {
      log.info("Dead letters of '{}': {}", deadLetterTopic, summary);
    }
    return summary;
  }

  /** Keeps every dead letter the pass has not handed out yet, committing as the run did. */
  private static void keepRest(DeadLetterPass pass, int commitEvery) {
    long kept = 0;
    for (Optional<DeadLetter> next = pass.next(); next.isPresent(); next = pass.next()) {
      pass.keep(next.get());
      if (++kept % commitEvery == 0) {
        pass.commit();
      }
    }
  }

  private static void keep(DeadLetterPass pass, DeadLetter d, boolean dryRun) {
    if (!dryRun) {
      pass.keep(d);
    }
  }
}
