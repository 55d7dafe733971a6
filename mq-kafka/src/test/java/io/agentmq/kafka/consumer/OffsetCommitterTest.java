package io.agentmq.kafka.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OffsetCommitterTest {
  private static final TopicPartition P0 = new TopicPartition("orders", 0);
  private static final TopicPartition P1 = new TopicPartition("orders", 1);

  private final CoordinatorConsumer consumer = new CoordinatorConsumer();
  private final Map<TopicPartition, PartitionProgress> owners = new HashMap<>();
  // Unmarked, so these tests are about offsets; the markers are CrashRecoveryTest's.
  private final OffsetCommitter committer =
      new OffsetCommitter(consumer, "g", owners::get, CommitMarker.CLEAN);

  @BeforeEach
  void assign() {
    consumer.assign(List.of(P0, P1));
  }

  private PartitionProgress progress(TopicPartition tp, long position) {
    PartitionProgress progress = new PartitionProgress(tp, position);
    owners.put(tp, progress);
    return progress;
  }

  private long brokerCommitted(TopicPartition tp) {
    OffsetAndMetadata offset = consumer.committed(Set.of(tp)).get(tp);
    return offset == null ? -1 : offset.offset();
  }

  @Test
  @DisplayName("commits what each partition finished, and marks it committed once answered")
  void commitsFinished() {
    PartitionProgress p0 = progress(P0, 0);
    PartitionProgress p1 = progress(P1, 3);
    p0.markDone(5);

    committer.commitAsync(List.of(p0, p1));

    assertThat(consumer.asyncCommits).containsExactly(Map.of(P0, new OffsetAndMetadata(5)));
    assertThat(p0.committed()).isZero(); // not before the coordinator answers
    consumer.answer();
    assertThat(brokerCommitted(P0)).isEqualTo(5);
    assertThat(p0.committed()).isEqualTo(5);
    assertThat(p1.committed()).isEqualTo(3);
  }

  @Test
  @DisplayName("nothing finished since the last commit: no commit is sent")
  void nothingFinishedNothingSent() {
    PartitionProgress p0 = progress(P0, 4);

    committer.commitAsync(List.of(p0));
    committer.commitSync(List.of(p0));

    assertThat(consumer.asyncCommits).isEmpty();
    assertThat(consumer.syncCommits).isEmpty();
  }

  @Test
  @DisplayName("one asynchronous commit in flight: the next is sent only after it is answered")
  void oneAsyncCommitInFlight() {
    PartitionProgress p0 = progress(P0, 0);
    p0.markDone(5);
    committer.commitAsync(List.of(p0));
    p0.markDone(8);

    committer.commitAsync(List.of(p0));
    committer.commitAsync(List.of(p0));
    assertThat(consumer.asyncCommits).hasSize(1);

    consumer.answer();
    committer.commitAsync(List.of(p0));
    assertThat(consumer.asyncCommits)
        .containsExactly(
            Map.of(P0, new OffsetAndMetadata(5)), Map.of(P0, new OffsetAndMetadata(8)));
  }

  @Test
  @DisplayName("a failed asynchronous commit leaves the offset uncommitted and is sent again")
  void failedAsyncCommitIsRetried() {
    PartitionProgress p0 = progress(P0, 0);
    p0.markDone(5);
    committer.commitAsync(List.of(p0));

    consumer.fail(new RetriableCommitFailedException("coordinator moved"));
    assertThat(p0.committed()).isZero();
    assertThat(brokerCommitted(P0)).isEqualTo(-1);

    committer.commitAsync(List.of(p0));
    consumer.answer();
    assertThat(consumer.asyncCommits).hasSize(2);
    assertThat(p0.committed()).isEqualTo(5);
  }

  @Test
  @DisplayName("a synchronous commit (revoke, close) is sent while an async one is in flight")
  void syncCommitDoesNotWaitForAsync() {
    PartitionProgress p0 = progress(P0, 0);
    p0.markDone(5);
    committer.commitAsync(List.of(p0));
    p0.markDone(9);

    committer.commitSync(List.of(p0));

    assertThat(consumer.syncCommits).containsExactly(Map.of(P0, new OffsetAndMetadata(9)));
    assertThat(p0.committed()).isEqualTo(9);
    consumer.answer(); // the older async answer arrives late
    assertThat(p0.committed()).isEqualTo(9);
  }

  @Test
  @DisplayName("an answer goes to whoever owns the partition now (revoked and assigned again)")
  void answerGoesToCurrentOwner() {
    PartitionProgress revoked = progress(P0, 0);
    revoked.markDone(5);
    committer.commitAsync(List.of(revoked));
    PartitionProgress reassigned = progress(P0, 2);

    consumer.answer();

    assertThat(reassigned.committed()).isEqualTo(5);
    assertThat(revoked.committed()).isZero();
  }

  @Test
  @DisplayName("a late answer never moves a partition's committed offset back")
  void lateAnswerNeverMovesBack() {
    PartitionProgress revoked = progress(P0, 0);
    revoked.markDone(5);
    committer.commitAsync(List.of(revoked));
    PartitionProgress reassigned = progress(P0, 7);

    consumer.answer();

    assertThat(reassigned.committed()).isEqualTo(7);
  }

  @Test
  @DisplayName("pipelined: the commit never passes a delivery that is not acknowledged")
  void neverPassesUnfinishedDelivery() {
    PartitionProgress p0 = progress(P0, 10);
    AckWindow window = new AckWindow();
    for (long offset = 10; offset <= 12; offset++) {
      window.start(offset, offset);
    }
    for (long offset : new long[] {11, 12}) {
      long next = window.acknowledge(offset);
      if (next >= 0) {
        p0.markDone(next);
      }
    }

    committer.commitAsync(List.of(p0));
    assertThat(consumer.asyncCommits).isEmpty();

    p0.markDone(window.acknowledge(10));
    committer.commitAsync(List.of(p0));
    consumer.answer();
    assertThat(brokerCommitted(P0)).isEqualTo(13);
  }

  @Test
  @DisplayName("at-most-once: commits past the last fetched record of each partition first")
  void preCommitsFetched() {
    ConsumerRecords<byte[], byte[]> records =
        new ConsumerRecords<>(
            Map.of(
                P0, List.of(record(P0, 3), record(P0, 4)),
                P1, List.of(record(P1, 9))),
            Map.of());

    assertThat(committer.commitBeforeHandling(records)).isTrue();

    assertThat(brokerCommitted(P0)).isEqualTo(5);
    assertThat(brokerCommitted(P1)).isEqualTo(10);
  }

  @Test
  @DisplayName("at-most-once: a failed pre-commit says so, so nothing fetched is handed out")
  void failedPreCommitHandsOutNothing() {
    consumer.failSyncCommits = new KafkaException("coordinator unavailable");
    ConsumerRecords<byte[], byte[]> records =
        new ConsumerRecords<>(Map.of(P0, List.of(record(P0, 3))), Map.of());

    assertThat(committer.commitBeforeHandling(records)).isFalse();
    assertThat(brokerCommitted(P0)).isEqualTo(-1);
  }

  private static ConsumerRecord<byte[], byte[]> record(TopicPartition tp, long offset) {
    return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, null, new byte[0]);
  }

  /**
   * A {@link MockConsumer} whose asynchronous commits are answered only when the test says so, as a
   * coordinator answers them in a later poll; it records what was sent.
   */
  private static final class CoordinatorConsumer extends MockConsumer<byte[], byte[]> {
    private record Pending(
        Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback cb) {}

    final List<Map<TopicPartition, OffsetAndMetadata>> asyncCommits = new ArrayList<>();
    final List<Map<TopicPartition, OffsetAndMetadata>> syncCommits = new ArrayList<>();
    private final Deque<Pending> pending = new ArrayDeque<>();
    KafkaException failSyncCommits;

    CoordinatorConsumer() {
      super("earliest");
    }

    @Override
    public synchronized void commitAsync(
        Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
      asyncCommits.add(Map.copyOf(offsets));
      pending.add(new Pending(Map.copyOf(offsets), callback));
    }

    @Override
    public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
      if (failSyncCommits != null) {
        throw failSyncCommits;
      }
      syncCommits.add(Map.copyOf(offsets));
      accept(offsets);
    }

    /** The coordinator accepts the oldest unanswered asynchronous commit. */
    void answer() {
      Pending next = pending.remove();
      accept(next.offsets());
      next.cb().onComplete(next.offsets(), null);
    }

    /** Stores the offsets as committed (MockConsumer's commitSync would call commitAsync). */
    private void accept(Map<TopicPartition, OffsetAndMetadata> offsets) {
      super.commitAsync(offsets, null);
    }

    /** The coordinator rejects the oldest unanswered asynchronous commit. */
    void fail(Exception error) {
      Pending next = pending.remove();
      next.cb().onComplete(next.offsets(), error);
    }
  }
}
