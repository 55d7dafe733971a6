package io.agentmq.kafka.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PartitionSeeksTest {
  private static final TopicPartition P0 = new TopicPartition("orders", 0);

  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final PartitionProgress progress = new PartitionProgress(P0, 10);
  private final PartitionSeeks seeks = new PartitionSeeks(P0, progress);

  @BeforeEach
  void assign() {
    consumer.assign(List.of(P0));
    consumer.updateBeginningOffsets(Map.of(P0, 0L));
    consumer.seek(P0, 20);
  }

  @Test
  @DisplayName("without a request nothing is pending, paused or due")
  void nothingRequested() {
    assertThat(seeks.pending()).isFalse();
    assertThat(seeks.dueNanos()).isEqualTo(Long.MAX_VALUE);
    assertThat(seeks.holdUntilDue(consumer, true)).isFalse();
    assertThat(consumer.paused()).isEmpty();
  }

  @Test
  @DisplayName("a retry pauses its partition at once and seeks back only after its backoff")
  void pausesThenSeeksWhenDue() {
    seeks.request(12, TimeUnit.HOURS.toNanos(1));

    assertThat(seeks.pending()).isTrue();
    assertThat(seeks.holdUntilDue(consumer, true)).isFalse();
    assertThat(consumer.paused()).containsExactly(P0);
    assertThat(consumer.position(P0)).isEqualTo(20);
  }

  @Test
  @DisplayName("a due seek waits while a worker still handles the partition")
  void waitsForIdle() {
    seeks.request(12, 0);

    assertThat(seeks.holdUntilDue(consumer, false)).isFalse();
    assertThat(seeks.holdUntilDue(consumer, true)).isTrue();
    seeks.seek(consumer);

    assertThat(consumer.position(P0)).isEqualTo(12);
    assertThat(seeks.pending()).isFalse();
    assertThat(seeks.dueNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  @DisplayName("of two pending targets the earlier wins, and the later backoff")
  void earlierTargetWins() {
    seeks.request(15, 0);
    long before = System.nanoTime();
    seeks.request(12, TimeUnit.SECONDS.toNanos(30));

    assertThat(seeks.dueNanos()).isGreaterThanOrEqualTo(before + TimeUnit.SECONDS.toNanos(30));
    seeks.request(14, 0);
    seeks.seek(consumer);
    assertThat(consumer.position(P0)).isEqualTo(12);
  }

  @Test
  @DisplayName("a re-read from the committed offset seeks where the broker says and restarts there")
  void seeksToCommitted() {
    consumer.commitSync(Map.of(P0, new OffsetAndMetadata(7)));
    progress.markDone(15);

    seeks.requestToCommitted();
    assertThat(seeks.holdUntilDue(consumer, true)).isTrue();
    seeks.seek(consumer);

    assertThat(consumer.position(P0)).isEqualTo(7);
    assertThat(progress.done()).isEqualTo(7);
    assertThat(progress.committed()).isEqualTo(7);
  }

  @Test
  @DisplayName(
      "with no committed offset at the broker it re-reads from where the partition is done")
  void noCommittedOffsetUsesDone() {
    progress.markDone(15);

    seeks.requestToCommitted();
    seeks.seek(consumer);

    assertThat(consumer.position(P0)).isEqualTo(15);
    assertThat(progress.committed()).isEqualTo(10);
  }
}
