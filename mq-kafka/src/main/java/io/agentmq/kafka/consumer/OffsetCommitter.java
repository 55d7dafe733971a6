package io.agentmq.kafka.consumer;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a consumer's offsets, on the poll thread: at-least-once, what each partition has finished
 * (asynchronously with one commit in flight at a time, synchronously on revoke and close);
 * at-most-once, what a poll fetched, before any of it is handled.
 */
final class OffsetCommitter {
  private static final Logger log = LoggerFactory.getLogger(OffsetCommitter.class);

  private final Consumer<byte[], byte[]> consumer;
  private final String group;

  /** The progress of the partition's current worker, or null: answers go to whoever owns it now. */
  private final Function<TopicPartition, PartitionProgress> current;

  /**
   * An asynchronous commit awaits its answer: the next waits for it, so commits never pile up
   * faster than the coordinator answers them (they would expire unsent).
   */
  private boolean inFlight;

  /** Asynchronous commits fail: logged once per outage, not with every poll. */
  private boolean failing;

  OffsetCommitter(
      Consumer<byte[], byte[]> consumer,
      String group,
      Function<TopicPartition, PartitionProgress> current) {
    this.consumer = consumer;
    this.group = group;
    this.current = current;
  }

  /**
   * At-most-once: commits the fetched records before any is handled. False if the commit failed:
   * then none may be handed out, and the caller re-reads the partitions from their committed
   * offsets.
   */
  boolean commitBeforeHandling(ConsumerRecords<byte[], byte[]> records) {
    try {
      consumer.commitSync(nextOffsets(records));
      return true;
    } catch (RuntimeException e) {
      log.warn(
          "At-most-once commit of group {} failed; fetching again from the committed offsets: {}",
          group,
          e.toString());
      return false;
    }
  }

  /**
   * Commits what the partitions have finished, unless the previous asynchronous commit is still
   * unanswered (the next call commits it then). The answer arrives in a later poll; a failed commit
   * is tried again with the next call.
   */
  void commitAsync(Collection<PartitionProgress> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = finished(partitions);
    if (offsets.isEmpty() || inFlight) {
      return;
    }
    inFlight = true;
    consumer.commitAsync(
        offsets,
        (committed, error) -> {
          inFlight = false;
          if (error == null) {
            markCommitted(committed);
            failing = false;
          } else if (!failing) {
            failing = true; // a broker restart would otherwise log with every poll
            log.warn(
                "Committing offsets of group {} failed; retrying with each poll: {}",
                group,
                error.toString());
          }
        });
  }

  /**
   * Commits what the partitions have finished and waits for the answer (on revoke and close);
   * throws what {@link Consumer#commitSync(Map)} throws.
   */
  void commitSync(Collection<PartitionProgress> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = finished(partitions);
    if (offsets.isEmpty()) {
      return;
    }
    consumer.commitSync(offsets);
    markCommitted(offsets);
  }

  private static Map<TopicPartition, OffsetAndMetadata> finished(
      Collection<PartitionProgress> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (PartitionProgress progress : partitions) {
      long done = progress.done();
      if (done > progress.committed()) {
        offsets.put(progress.partition(), new OffsetAndMetadata(done));
      }
    }
    return offsets;
  }

  private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(
      ConsumerRecords<byte[], byte[]> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : records.partitions()) {
      List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
      offsets.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
    }
    return offsets;
  }

  private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach(
        (tp, offset) -> {
          PartitionProgress progress = current.apply(tp);
          if (progress != null) {
            progress.markCommitted(offset.offset());
          }
        });
  }
}
