package io.agentmq.kafka.consumer;

import org.apache.kafka.common.TopicPartition;

/**
 * How far one partition is handled and committed: everything before {@link #done()} is acknowledged
 * or dead-lettered, so it may be committed; {@link #committed()} is what the broker holds for the
 * group, and {@link #committedClean()} whether its marker says the owner stopped cleanly, as far as
 * the poll thread knows.
 */
final class PartitionProgress {
  private final TopicPartition partition;

  /** Next offset to commit; {@code -1} until known. Written by workers, read by the poll thread. */
  private volatile long done;

  /** Poll thread. */
  private long committed;

  /** Poll thread: the committed offset's {@link CommitMarker} is clean. */
  private boolean committedClean = true;

  PartitionProgress(TopicPartition partition, long position) {
    this.partition = partition;
    this.done = position;
    this.committed = position;
  }

  TopicPartition partition() {
    return partition;
  }

  long done() {
    return done;
  }

  /** Everything before {@code next} is acknowledged or dead-lettered. */
  void markDone(long next) {
    done = next;
  }

  long committed() {
    return committed;
  }

  boolean committedClean() {
    return committedClean;
  }

  /**
   * Poll thread: the broker acknowledged a commit of {@code offset} with {@code marker}; never
   * moves back. At the same offset the marker is taken, whichever answer came last.
   */
  void markCommitted(long offset, CommitMarker marker) {
    if (offset >= committed) {
      committed = offset;
      committedClean = marker.clean();
    }
  }

  /** Poll thread: handling (re)starts at {@code offset}, which is where the group stands. */
  void restartAt(long offset) {
    done = offset;
    committed = offset;
  }
}
