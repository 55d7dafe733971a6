package io.agentmq.kafka.consumer;

/**
 * One partition's recovery after an owner that may have died in a handler: until the partition is
 * done past a window of records, each record is handed out alone and only once the poll thread has
 * committed its attempt record ({@link CommitMarker.Attempt}), so a process that dies handling it
 * leaves that attempt counted for the next owner. Guarded by the partition worker's lock.
 *
 * <p>The window is {@code kafka.max_queued_per_partition} records from where recovery began: about
 * the most a previous owner can have taken beyond its last commit before it died (its queue). A
 * crash further on goes uncounted once; the async commits have then moved the committed offset
 * close to it, so the next recovery covers it.
 */
final class CrashRecovery {
  private boolean active;

  /** Recovery ends once the partition is done up to here; {@code -1} until its start is known. */
  private long end = -1;

  /** The window, while the start is not known yet. */
  private long window;

  /** The offset whose attempt record is committed and that may be handed out once; or -1. */
  private long recorded = -1;

  /**
   * Recovers the next {@code window} records from {@code from} ({@code -1}: from the first record
   * fetched). Already recovering, the later end of the two holds.
   */
  void begin(long from, long window) {
    if (from < 0) {
      this.window = window;
      active = true;
      return;
    }
    end = active ? Math.max(end, from + window) : from + window;
    active = true;
  }

  /** The partition's first record is at {@code offset}: a recovery waiting for its start begins. */
  void startAt(long offset) {
    if (active && end < 0) {
      end = offset + window;
    }
  }

  /**
   * Whether records still wait for their attempt record, the partition being done to {@code done}.
   */
  boolean active(long done) {
    if (active && end >= 0 && done >= end) {
      active = false;
      recorded = -1;
    }
    return active;
  }

  /** Whether the record at {@code offset} may be handed out now; if so it is taken. */
  boolean take(long offset, long done) {
    if (!active(done)) {
      return true;
    }
    if (offset != recorded) {
      return false;
    }
    recorded = -1; // one hand-out per attempt record: a redelivery is recorded again
    return true;
  }

  /** Whether the attempt record of {@code offset} is committed and the record not handed out. */
  boolean recorded(long offset) {
    return offset == recorded;
  }

  /** The poll thread committed the attempt record of {@code offset}. */
  void record(long offset) {
    recorded = offset;
  }
}
