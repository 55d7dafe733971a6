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
 * resolved position (a LATEST group pins that start with a commit); a revoked or lost one has its
 * running handlers awaited and, when revoked, what they finished committed, before it goes.
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
    if (settings.startFrom() == StartPosition.LATEST) {
      pinStart(positions);
    }
    if (state.paused()) {
      consumer.pause(assignment);
    }
    assigned.run();
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
