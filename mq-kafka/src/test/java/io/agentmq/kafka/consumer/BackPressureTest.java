package io.agentmq.kafka.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.DeliveryObserver;
import io.agentmq.api.RetryPolicy;
import io.agentmq.api.StartPosition;
import io.agentmq.spi.ConsumerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A partition's queue bounded in records and in bytes, on kafka-clients' {@link MockConsumer}. */
class BackPressureTest {
  private static final TopicPartition P0 = new TopicPartition("t", 0);

  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final RunState state = new RunState();
  private final PartitionWorker worker = worker();
  private long nextOffset;

  BackPressureTest() {
    consumer.assign(List.of(P0));
  }

  private PartitionWorker worker() {
    ConsumerSettings settings =
        new ConsumerSettings(
            List.of(P0.topic()),
            "g",
            d -> {},
            null,
            1,
            1,
            DeliveryMode.AT_LEAST_ONCE,
            RetryPolicy.DEFAULT,
            DeadLetterPolicy.ENABLED,
            StartPosition.EARLIEST,
            Duration.ofSeconds(5),
            Duration.ofMinutes(1),
            1 << 20,
            DeliveryObserver.NONE);
    QueueLink link =
        new QueueLink(
            Map.of(),
            id -> Map.of(),
            Duration.ofMillis(10),
            Duration.ofMinutes(5),
            Duration.ofSeconds(30),
            1000,
            16L << 20,
            1 << 20,
            null,
            (topic, message) -> CompletableFuture.completedFuture(null),
            topic -> {});
    // No drain runs: the executor drops it, so what is enqueued stays queued until taken here.
    return new PartitionWorker(
        P0,
        0,
        settings,
        state,
        r -> {},
        DrainStrategy.of(settings, link, new TransactionalProducers("g", id -> null, state)),
        1000);
  }

  private void enqueue(int count, int bytes) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      records.add(new ConsumerRecord<>(P0.topic(), 0, nextOffset++, null, new byte[bytes]));
    }
    worker.enqueue(records);
  }

  private void take(int count) {
    for (int i = 0; i < count; i++) {
      assertThat(worker.poll()).isNotNull();
    }
  }

  @Test
  @DisplayName("pauses a partition whose queued bytes reach the bound, though few records wait")
  void pausesOnBytes() {
    BackPressure backPressure = new BackPressure(consumer, List.of(worker), 1000, 10_000, state);

    enqueue(3, 3000);
    backPressure.apply();
    assertThat(consumer.paused()).isEmpty();

    enqueue(1, 3000);
    backPressure.apply();
    assertThat(worker.queuedBytes()).isEqualTo(12_000);
    assertThat(consumer.paused()).containsExactly(P0);
  }

  @Test
  @DisplayName("resumes only once both records and bytes have drained to half their bounds")
  void resumesAtHalf() {
    BackPressure backPressure = new BackPressure(consumer, List.of(worker), 1000, 10_000, state);
    enqueue(4, 3000);
    backPressure.apply();

    take(2);
    backPressure.apply();
    assertThat(worker.queuedBytes()).isEqualTo(6000);
    assertThat(consumer.paused()).containsExactly(P0);

    take(1);
    backPressure.apply();
    assertThat(worker.queuedBytes()).isEqualTo(3000);
    assertThat(consumer.paused()).isEmpty();
  }

  @Test
  @DisplayName("still pauses on the record count when records are small")
  void pausesOnCount() {
    BackPressure backPressure = new BackPressure(consumer, List.of(worker), 10, 10_000, state);

    enqueue(10, 1);
    backPressure.apply();

    assertThat(consumer.paused()).containsExactly(P0);
  }

  @Test
  @DisplayName("counts key and value of a record, and nothing for a null value")
  void sizeOfRecord() {
    ConsumerRecord<byte[], byte[]> record =
        new ConsumerRecord<>(P0.topic(), 0, 0, new byte[3], new byte[5]);

    assertThat(BackPressure.sizeOf(record)).isEqualTo(3 + 5);
    assertThat(BackPressure.sizeOf(new ConsumerRecord<>(P0.topic(), 0, 0, null, null))).isZero();
  }
}
