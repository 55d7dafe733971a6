package io.agentmq.api.deadletter;

import java.util.Objects;

/**
 * How {@link DeadLetters#purge} runs.
 *
 * @param dryRun count what would be purged, changing nothing
 * @param commitEvery how many examined dead letters one commit covers (default 100)
 * @param progress told after each dead letter examined
 */
public record PurgeOptions(boolean dryRun, int commitEvery, DeadLetterProgress progress) {

  public PurgeOptions {
    if (commitEvery < 1) {
      throw new IllegalArgumentException("commitEvery must be 1 or more, was " + commitEvery);
    }
    Objects.requireNonNull(progress, "progress");
  }

  /** For real, committing every 100, no progress reports. */
  public static PurgeOptions defaults() {
    return new PurgeOptions(false, ReplayOptions.DEFAULT_COMMIT_EVERY, DeadLetterProgress.NONE);
  }

  public PurgeOptions withDryRun(boolean dry) {
    return new PurgeOptions(dry, commitEvery, progress);
  }

  public PurgeOptions withCommitEvery(int count) {
    return new PurgeOptions(dryRun, count, progress);
  }

  public PurgeOptions withProgress(DeadLetterProgress listener) {
    return new PurgeOptions(dryRun, commitEvery, listener);
  }
}
