package io.agentmq.kafka.consumer;

import io.agentmq.api.DeliveryMode;
import io.agentmq.api.StartPosition;
import io.agentmq.spi.ConsumerSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the group's assignment (poll thread): an assigned partition gets a worker starting at its
 * resolved position; at-least-once, the worker recovers if the committed marker says the previous
 * owner did not stop cleanly, and otherwise the partition is marked running there before anything
 * is handed out (which also pins a LATEST group's start). A revoked or lost partition has its
 * running handlers awaited and, when revoked, what they finished committed (clean), before it goes.
 */
final class PartitionRebalancer implements ConsumerRebalanceListener {
  private static final Logger log = LoggerFactory.getLogger(PartitionRebalancer.class);

  private final Consumer<byte[], byte[]> consumer;
  private final ConsumerSettings settings;
  private final Map<TopicPartition, PartitionWorker> partitions;
  private final BiFunction<TopicPartition, Long, PartitionWorker> newWorker;
  private final OffsetCommitter committer;
  private final RunState state;
  private final Runnable assigned;

  /**
   * @param newWorker a partition's worker, from the position it starts at ({@code -1}: unknown)
   * @param assigned runs after each assignment
   */
  PartitionRebalancer(
      Consumer<byte[], byte[]> consumer,
      ConsumerSettings settings,
      Map<TopicPartition, PartitionWorker> partitions,
      BiFunction<TopicPartition, Long, PartitionWorker> newWorker,
      OffsetCommitter committer,
      RunState state,
      Runnable assigned) {
    this.consumer = consumer;
    this.settings = settings;
    this.partitions = partitions;
    this.newWorker = newWorker;
    this.committer = committer;
    this.state = state;
    this.assigned = assigned;
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
    List<PartitionWorker> workers = release(revoked);
    try {
      if (settings.deliveryMode() == DeliveryMode.AT_LEAST_ONCE) {
        committer.commitSync(workers.stream().map(PartitionWorker::progress).toList());
      }
    } catch (RuntimeException e) {
      log.warn("Committing offsets of revoked partitions {} failed: {}", revoked, e.toString());
    }
    workers.forEach(PartitionWorker::close);
    revoked.forEach(partitions::remove);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> lost) {
    release(lost).forEach(PartitionWorker::close);
    lost.forEach(partitions::remove);
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> assignment) {
    Map<TopicPartition, Long> positions = new HashMap<>();
    for (TopicPartition tp : assignment) {
      long position;
      try {
        // Resolved now, so a LATEST group starts exactly where it subscribed.
        position = consumer.position(tp);
      } catch (RuntimeException e) {
        log.warn("Could not resolve the position of {} yet: {}", tp, e.toString());
        position = -1; // taken from the first record fetched
      }
      positions.put(tp, position);
      partitions.put(tp, newWorker.apply(tp, position));
    }
    if (settings.deliveryMode() == DeliveryMode.AT_LEAST_ONCE) {
      markRunning(positions);
    } else if (settings.startFrom() == StartPosition.LATEST) {
      pinStart(positions);
    }
    if (state.paused()) {
      consumer.pause(assignment);
    }
    assigned.run();
  }

  /**
   * At-least-once: a partition whose committed marker is not clean (or unknown) recovers, its
   * worker counting a crash as an attempt; the others are marked running where they start, so a
   * process that dies in a handler from now on is never taken for one that stopped cleanly. A
   * partition that cannot be marked recovers too: its first attempt record marks it.
   */
  private void markRunning(Map<TopicPartition, Long> positions) {
    Map<TopicPartition, OffsetAndMetadata> committed = null;
    try {
      committed = consumer.committed(positions.keySet());
    } catch (WakeupException | InterruptException e) {
      throw e; // close() asked the poll loop to stop
    } catch (RuntimeException e) {
      log.warn(
          "Could not read the committed offsets of {} (group {}); recovering them: {}",
          positions.keySet(),
          settings.group(),
          e.toString());
    }
    Map<TopicPartition, Long> starts = new HashMap<>();
    for (Map.Entry<TopicPartition, Long> entry : positions.entrySet()) {
      TopicPartition tp = entry.getKey();
      CommitMarker marker =
          committed == null ? CommitMarker.RUNNING : CommitMarker.of(committed.get(tp));
      if (marker.clean() && entry.getValue() >= 0) {
        starts.put(tp, entry.getValue());
      } else {
        recover(tp, marker);
      }
    }
    try {
      committer.commitRunning(starts);
    } catch (WakeupException | InterruptException e) {
      throw e;
    } catch (RuntimeException e) {
      log.warn(
          "Could not mark {} running (group {}); recovering them: {}",
          starts.keySet(),
          settings.group(),
          e.toString());
      starts.keySet().forEach(tp -> recover(tp, CommitMarker.CLEAN));
    }
  }

  private void recover(TopicPartition tp, CommitMarker marker) {
    PartitionWorker worker = partitions.get(tp);
    if (!marker.clean()) {
      log.info(
          "{} (group {}): its previous owner did not stop cleanly ({}); recovering: one record at a"
              + " time, each attempt committed before the handler runs",
          tp,
          settings.group(),
          marker.metadata());
      // The broker holds an unclean marker: a clean stop here must overwrite it.
      worker.progress().markCommitted(worker.progress().committed(), marker);
    }
    worker.recover(marker);
  }

  /**
   * Commits where a LATEST group starts on partitions it has no position for yet. Otherwise a
   * consumer closed before handling anything on a partition would leave no commit there, and the
   * next one would start at the then-newest message, skipping what was sent in between.
   */
  private void pinStart(Map<TopicPartition, Long> positions) {
    try {
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(positions.keySet());
      Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
      positions.forEach(
          (tp, position) -> {
            if (position >= 0 && committed.get(tp) == null) {
              start.put(tp, new OffsetAndMetadata(position));
            }
          });
      if (!start.isEmpty()) {
        consumer.commitSync(start);
      }
    } catch (WakeupException | InterruptException e) {
      throw e; // close() asked the poll loop to stop
    } catch (RuntimeException e) {
      log.warn("Could not record where group {} starts: {}", settings.group(), e.toString());
    }
  }

  /** Stops the given partitions' work and waits for their running handlers. */
  List<PartitionWorker> release(Collection<TopicPartition> tps) {
    List<PartitionWorker> workers = new ArrayList<>();
    for (TopicPartition tp : tps) {
      PartitionWorker worker = partitions.get(tp);
      if (worker != null) {
        worker.revoke();
        workers.add(worker);
      }
    }
    long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
    for (PartitionWorker worker : workers) {
      if (!worker.awaitIdle(deadline)) {
        log.warn(
            "A handler of {} (group {}) still runs after consumer.close_timeout_ms = {}; its"
                + " message stays unacknowledged and goes to the partition's next owner",
            worker.partition(),
            settings.group(),
            settings.closeTimeout().toMillis());
      }
    }
    return workers;
  }
}
