package io.agentmq.kafka.consumer;

import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Pauses fetching for a partition whose queue is full, in records or in bytes, and resumes it once
 * the queue has drained to half of both, and only when nothing else holds the partition back (the
 * user's pause, a pending seek, a revoke). Poll thread.
 */
final class BackPressure {
  private final Consumer<byte[], byte[]> consumer;
  private final Collection<PartitionWorker> partitions;
  private final int maxQueued;
  private final long maxQueuedBytes;
  private final RunState state;

  /**
   * @param maxQueued {@code kafka.max_queued_per_partition}
   * @param maxQueuedBytes {@code kafka.max_queued_bytes_per_partition}; one poll may add up to
   *     {@code max.partition.fetch.bytes} more before the pause takes effect
   */
  BackPressure(
      Consumer<byte[], byte[]> consumer,
      Collection<PartitionWorker> partitions,
      int maxQueued,
      long maxQueuedBytes,
      RunState state) {
    this.consumer = consumer;
    this.partitions = partitions;
    this.maxQueued = maxQueued;
    this.maxQueuedBytes = maxQueuedBytes;
    this.state = state;
  }

  /**
   * What a queued record holds on the heap, near enough: its key and value as the broker sent them
   * (headers, small next to them, are left out: counting them meant walking them twice per record).
   */
  static long sizeOf(ConsumerRecord<byte[], byte[]> record) {
    int key = record.serializedKeySize();
    int value = record.serializedValueSize();
    // a record built by hand (not fetched) says -1: then its arrays
    return (key >= 0 ? key : record.key() == null ? 0 : record.key().length)
        + (value >= 0 ? value : record.value() == null ? 0 : record.value().length);
  }

  /** After each poll: pauses full partitions, resumes drained ones. */
  void apply() {
    for (PartitionWorker worker : partitions) {
      int queued = worker.queued();
      long bytes = worker.queuedBytes();
      if (!worker.heldBack() && (queued >= maxQueued || bytes >= maxQueuedBytes)) {
        worker.heldBack(true);
        consumer.pause(List.of(worker.partition()));
      } else if (worker.heldBack() && queued <= maxQueued / 2 && bytes <= maxQueuedBytes / 2) {
        worker.heldBack(false);
        resumeIfReady(worker);
      }
    }
  }

  /** After the user's resume: every partition that nothing else holds back. */
  void resumeReady() {
    partitions.forEach(this::resumeIfReady);
  }

  void resumeIfReady(PartitionWorker worker) {
    if (!state.paused() && !worker.heldBack() && !worker.seekPending() && !worker.revoked()) {
      consumer.resume(List.of(worker.partition()));
    }
  }
}
