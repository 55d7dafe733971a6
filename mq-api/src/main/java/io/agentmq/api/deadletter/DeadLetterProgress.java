package io.agentmq.api.deadletter;

/**
 * Told how far a dead-letter operation is, after each dead letter it examined, on the thread that
 * runs the operation. An exception it throws stops the operation as an interruption would: what was
 * committed stays done, the rest is left for the next run.
 */
@FunctionalInterface
public interface DeadLetterProgress {
  /** Reports nothing. */
  DeadLetterProgress NONE = (examined, total) -> {};

  /**
   * @param examined dead letters examined so far
   * @param total dead letters in the topic when the operation started, or {@code -1} if unknown
   */
  void update(long examined, long total);
}
