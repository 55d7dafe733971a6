package io.agentmq.kafka.consumer;

/**
 * The attempt number of one partition's records, as Spring Kafka's {@code FailedRecordTracker}
 * keeps it: a record is on attempt 1 unless it is the one being retried, which is on the attempt
 * after its last failure. Thread-safe.
 */
final class RetryAttempts {
  private long offset = -1;
  private int attempt = 1;

  /** The attempt the record at {@code recordOffset} is delivered with. */
  synchronized int attemptOf(long recordOffset) {
    return recordOffset == offset ? attempt : 1;
  }

  /** The record at {@code recordOffset} is done (acknowledged or dead-lettered). */
  synchronized void succeeded(long recordOffset) {
    if (recordOffset == offset) {
      offset = -1;
      attempt = 1;
    }
  }

  /**
   * The record at {@code recordOffset} failed on {@code failedAttempt} and is read again. With
   * several deliveries unsettled (pipelined), a later one may fail too: the earliest is read again
   * first and keeps its count. A tracked offset below {@code done} has passed since (stale), so the
   * new failure replaces it. One delivery at a time, the tracked offset is always the failing one
   * or stale, so every failure counts.
   */
  synchronized void failed(long recordOffset, int failedAttempt, long done) {
    if (offset < done || recordOffset <= offset) {
      offset = recordOffset;
      attempt = failedAttempt + 1;
    }
  }
}
