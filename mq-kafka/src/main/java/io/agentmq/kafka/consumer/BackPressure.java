package io.agentmq.kafka.consumer;

import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * Pauses fetching for a partition whose queue is full and resumes it once the queue has drained to
 * half, and only when nothing else holds the partition back (the user's pause, a pending seek, a
 * revoke). Poll thread.
 */
final class BackPressure {
  private final Consumer<byte[], byte[]> consumer;
  private final Collection<PartitionWorker> partitions;
  private final int maxQueued;
  private final RunState state;

  BackPressure(
      Consumer<byte[], byte[]> consumer,
      Collection<PartitionWorker> partitions,
      int maxQueued,
      RunState state) {
    this.consumer = consumer;
    this.partitions = partitions;
    this.maxQueued = maxQueued;
    this.state = state;
  }

  /** After each poll: pauses full partitions, resumes drained ones. */
  void apply() {
    for (PartitionWorker worker : partitions) {
      int queued = worker.queued();
      if (!worker.heldBack() && queued >= maxQueued) {
        worker.heldBack(true);
        consumer.pause(List.of(worker.partition()));
      } else if (worker.heldBack() && queued <= maxQueued / 2) {
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
