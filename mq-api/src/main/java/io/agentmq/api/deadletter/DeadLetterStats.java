package io.agentmq.api.deadletter;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Counts of the dead letters a dead-letter topic holds now.
 *
 * @param deadLetterTopic the topic counted
 * @param total how many dead letters it holds
 * @param byOriginalTopic counts by {@code mq-dlq-original-topic} ({@code (none)} where missing)
 * @param byReason counts by the reason's leading phrase (the text before its first {@code ": "})
 * @param byException counts by {@code mq-dlq-exception}
 * @param byAge counts by time since {@code mq-dlq-failed-at}: {@code <1h}, {@code 1h-24h}, {@code
 *     1d-7d}, {@code >7d}, {@code unknown}, in that order
 * @param byReplayCount counts by {@code mq-replay-count} (0: never replayed)
 * @param oldest the earliest failure time, if any dead letter records one
 * @param newest the latest failure time, if any dead letter records one
 */
public record DeadLetterStats(
    String deadLetterTopic,
    long total,
    Map<String, Long> byOriginalTopic,
    Map<String, Long> byReason,
    Map<String, Long> byException,
    Map<String, Long> byAge,
    Map<Integer, Long> byReplayCount,
    Optional<Instant> oldest,
    Optional<Instant> newest) {}
