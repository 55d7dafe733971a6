package io.agentmq.api.deadletter;

import java.util.Objects;

/**
 * How {@link DeadLetters#replay} runs.
 *
 * @param maxReplays a dead letter already replayed this many times ({@code mq-replay-count}) is
 *     parked, not replayed again (default 3)
 * @param dryRun count what would be replayed and parked, changing nothing
 * @param commitEvery how many examined dead letters one commit covers (Kafka: one transaction); an
 *     interrupted run redoes at most this many, without repeating them (default 100)
 * @param progress told after each dead letter examined
 */
public record ReplayOptions(
    int maxReplays, boolean dryRun, int commitEvery, DeadLetterProgress progress) {

  public static final int DEFAULT_MAX_REPLAYS = 3;
  public static final int DEFAULT_COMMIT_EVERY = 100;

  public ReplayOptions {
    if (maxReplays < 1) {
      throw new IllegalArgumentException("maxReplays must be 1 or more, was " + maxReplays);
    }
    if (commitEvery < 1) {
      throw new IllegalArgumentException("commitEvery must be 1 or more, was " + commitEvery);
    }
    Objects.requireNonNull(progress, "progress");
  }

  /** Three replays per message, for real, committing every 100, no progress reports. */
  public static ReplayOptions defaults() {
    return new ReplayOptions(
        DEFAULT_MAX_REPLAYS, false, DEFAULT_COMMIT_EVERY, DeadLetterProgress.NONE);
  }

  public ReplayOptions withMaxReplays(int max) {
    return new ReplayOptions(max, dryRun, commitEvery, progress);
  }

  public ReplayOptions withDryRun(boolean dry) {
    return new ReplayOptions(maxReplays, dry, commitEvery, progress);
  }

  public ReplayOptions withCommitEvery(int count) {
    return new ReplayOptions(maxReplays, dryRun, count, progress);
  }

  public ReplayOptions withProgress(DeadLetterProgress listener) {
    return new ReplayOptions(maxReplays, dryRun, commitEvery, listener);
  }
}
