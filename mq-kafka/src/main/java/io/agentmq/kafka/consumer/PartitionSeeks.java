package io.agentmq.kafka.consumer;

import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * One partition's pending seek back (a retry after its backoff, or a re-read from the committed
 * offset): requested by workers, performed by the poll thread before it polls, once due and no
 * worker handles the partition. Guarded by the partition worker's lock; {@link #pending()} may be
 * read without it.
 */
final class PartitionSeeks {
  private final TopicPartition partition;
  private final PartitionProgress progress;

  /** Records are re-read from {@link #target}: what was fetched before is dropped. */
  private volatile boolean pending;

  private long target = -1;
  private long notBefore;
  private boolean pausedForSeek;
  private boolean toCommitted;

  PartitionSeeks(TopicPartition partition, PartitionProgress progress) {
    this.partition = partition;
    this.progress = progress;
  }

  /** Re-reads from {@code offset} once {@code delayNanos} have passed; an earlier target wins. */
  void request(long offset, long delayNanos) {
    pending = true;
    target = target < 0 ? offset : Math.min(target, offset);
    notBefore = Math.max(notBefore, System.nanoTime() + delayNanos);
  }

  /** Re-reads from the offset the broker has committed for the group (the poll thread finds it). */
  void requestToCommitted() {
    long done = progress.done();
    request(done < 0 ? 0 : done, 0);
    toCommitted = true;
  }

  boolean pending() {
    return pending;
  }

  /** When the pending seek is due ({@link System#nanoTime()}), or {@link Long#MAX_VALUE}. */
  long dueNanos() {
    return target < 0 ? Long.MAX_VALUE : notBefore;
  }

  /**
   * Poll thread: pauses the partition while a seek waits, so nothing is fetched for it meanwhile.
   * True once the seek may be performed: it is due and {@code idle} (no worker handles the
   * partition and no delivery of it is unsettled).
   */
  boolean holdUntilDue(Consumer<byte[], byte[]> consumer, boolean idle) {
    if (target < 0) {
      return false;
    }
    if (!pausedForSeek) {
      consumer.pause(List.of(partition));
      pausedForSeek = true;
    }
    return idle && notBefore - System.nanoTime() <= 0;
  }

  /**
   * Poll thread: seeks (to the broker's committed offset if that was asked) and clears the seek.
   */
  void seek(Consumer<byte[], byte[]> consumer) {
    if (toCommitted) {
      OffsetAndMetadata broker = consumer.committed(Set.of(partition)).get(partition);
      if (broker != null) {
        target = broker.offset();
        progress.restartAt(target);
      }
      toCommitted = false;
    }
    consumer.seek(partition, target);
    pausedForSeek = false;
    target = -1;
    notBefore = 0;
    pending = false;
  }
}
