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
 * (asynchronously with one commit in flight at a time, marked {@link CommitMarker#RUNNING}, and
 * synchronously and {@link CommitMarker#CLEAN} on revoke and close), and a recovering partition's
 * attempt records; at-most-once, what a poll fetched, before any of it is handled.
 */
final class OffsetCommitter {
  private static final Logger log = LoggerFactory.getLogger(OffsetCommitter.class);

  private final Consumer<byte[], byte[]> consumer;
  private final String group;

  /** The progress of the partition's current worker, or null: answers go to whoever owns it now. */
  private final Function<TopicPartition, PartitionProgress> current;

  /** What asynchronous commits say while the consumer runs (at-least-once: it may die). */
  private final CommitMarker whileRunning;

  /**
   * An asynchronous commit awaits its answer: the next waits for it, so commits never pile up
   * faster than the coordinator answers them (they would expire unsent).
   */
  private boolean inFlight;

  /** Asynchronous commits fail: logged once per outage, not with every poll. */
  private boolean failing;

  /** Attempt records fail: logged once per outage, as they are tried again each round. */
  private boolean attemptsFailing;

  /**
   * @param whileRunning the marker of asynchronous commits
   */
  OffsetCommitter(
      Consumer<byte[], byte[]> consumer,
      String group,
      Function<TopicPartition, PartitionProgress> current,
      CommitMarker whileRunning) {
    this.consumer = consumer;
    this.group = group;
    this.current = current;
    this.whileRunning = whileRunning;
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
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (PartitionProgress progress : partitions) {
      long done = progress.done();
      if (done > progress.committed()) {
        offsets.put(progress.partition(), whileRunning.at(done));
      }
    }
    if (offsets.isEmpty() || inFlight) {
      return;
    }
    inFlight = true;
    consumer.commitAsync(
        offsets,
        (committed, error) -> {
          inFlight = false;
          if (error == null) {
            markCommitted(committed, whileRunning);
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
   * Commits what the partitions have finished, marked clean, and waits for the answer (on revoke
   * and close: nothing more of theirs is handed out here); also a partition that finished nothing
   * since a running marker, so its next owner does not recover it. Throws what {@link
   * Consumer#commitSync(Map)} throws.
   */
  void commitSync(Collection<PartitionProgress> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (PartitionProgress progress : partitions) {
      long done = progress.done();
      if (done > progress.committed() || (done >= 0 && !progress.committedClean())) {
        offsets.put(progress.partition(), CommitMarker.CLEAN.at(done));
      }
    }
    commitSync(offsets, CommitMarker.CLEAN);
  }

  /**
   * Marks partitions running at the offsets they start from, before anything of theirs is handed
   * out, so a process that dies in a handler is never taken for one that stopped cleanly. Throws
   * what {@link Consumer#commitSync(Map)} throws.
   */
  void commitRunning(Map<TopicPartition, Long> starts) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    starts.forEach((tp, offset) -> offsets.put(tp, CommitMarker.RUNNING.at(offset)));
    commitSync(offsets, CommitMarker.RUNNING);
  }

  /**
   * Recovery: commits the attempt record of the record about to be handed out, at its offset (the
   * partition is done up to it). False if the commit failed; the record must wait then.
   */
  boolean commitAttempt(PartitionProgress progress, CommitMarker.Attempt attempt) {
    try {
      commitSync(Map.of(progress.partition(), attempt.at(attempt.offset())), attempt);
      attemptsFailing = false;
      return true;
    } catch (RuntimeException e) {
      // Also close()'s wakeup: the loop sees it is stopping at its next turn.
      if (!attemptsFailing) {
        attemptsFailing = true;
        log.warn(
            "Could not record attempt {} of {} offset {} (group {}); the record waits, trying"
                + " again with each poll: {}",
            attempt.attempt(),
            progress.partition(),
            attempt.offset(),
            group,
            e.toString());
      }
      return false;
    }
  }

  private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, CommitMarker marker) {
    if (offsets.isEmpty()) {
      return;
    }
    consumer.commitSync(offsets);
    markCommitted(offsets, marker);
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

  private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets, CommitMarker marker) {
    offsets.forEach(
        (tp, offset) -> {
          PartitionProgress progress = current.apply(tp);
          if (progress != null) {
            progress.markCommitted(offset.offset(), marker);
          }
        });
  }
}
