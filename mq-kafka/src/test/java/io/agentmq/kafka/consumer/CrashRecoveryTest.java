package io.agentmq.kafka.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.AsyncMessageHandler;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.DeliveryObserver;
import io.agentmq.api.MessageHandler;
import io.agentmq.api.RetryPolicy;
import io.agentmq.api.StartPosition;
import io.agentmq.spi.ConsumerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The poll loop on a {@link MockConsumer}: the markers its commits carry, crash recovery from them,
 * and handlers ending with a {@link VirtualMachineError}. The timeline records, in the order they
 * happened, the commits ({@code sync|async <offset> <metadata>}) and the handler calls ({@code
 * handle <offset> attempt <n>}).
 */
class CrashRecoveryTest {
  private static final String TOPIC = "orders";
  private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

  private final List<String> timeline = Collections.synchronizedList(new ArrayList<>());
  private final RecordingConsumer consumer = new RecordingConsumer(timeline);
  private final RunState state = new RunState();
  private final ExecutorService pool = Executors.newSingleThreadExecutor();
  private Thread pollThread;

  @AfterEach
  void stopLoop() throws InterruptedException {
    if (pollThread != null && pollThread.isAlive()) {
      stop();
    }
    pool.shutdownNow();
  }

  @Test
  @DisplayName(
      "committed attempt=5:2: offset 5 is delivered as attempt 3, and attempt=5:3 is committed"
          + " before the handler runs")
  void attemptRecordCarriesOver() {
    assign(new OffsetAndMetadata(5, "attempt=5:2"), 5, 6);
    start(this::record, null);

    await().until(() -> timeline.contains("handle 6 attempt 1"));
    assertThat(List.copyOf(timeline))
        .containsSubsequence("sync 5 attempt=5:3", "handle 5 attempt 3");
    // Still recovering: the next record too is handed out only after its attempt record.
    assertThat(List.copyOf(timeline))
        .containsSubsequence("handle 5 attempt 3", "sync 6 attempt=6:1");
    assertThat(List.copyOf(timeline))
        .containsSubsequence("sync 6 attempt=6:1", "handle 6 attempt 1");
  }

  @Test
  @DisplayName(
      "committed running: the record at the committed offset is delivered as attempt 1, its"
          + " attempt record committed first")
  void runningMarkerRecordsFirstAttempt() {
    assign(new OffsetAndMetadata(5, "running"), 5);
    start(this::record, null);

    await().until(() -> timeline.contains("handle 5 attempt 1"));
    assertThat(List.copyOf(timeline))
        .containsSubsequence("sync 5 attempt=5:1", "handle 5 attempt 1");
  }

  @Test
  @DisplayName(
      "recovering, a pipelined async handler gets one record at a time: the next only once the"
          + " previous is settled and the next attempt recorded")
  void pipelinedRecoversOneAtATime() {
    assign(new OffsetAndMetadata(5, "running"), 5, 6, 7);
    startPipelined(
        d -> {
          record(d);
          return CompletableFuture.runAsync(
              () -> timeline.add("done " + d.offset()),
              CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
        },
        4);

    await().until(() -> timeline.contains("done 7"));
    assertThat(List.copyOf(timeline))
        .containsSubsequence(
            "sync 5 attempt=5:1",
            "handle 5 attempt 1",
            "done 5",
            "sync 6 attempt=6:1",
            "handle 6 attempt 1",
            "done 6",
            "sync 7 attempt=7:1",
            "handle 7 attempt 1");
  }

  @Test
  @DisplayName(
      "committed clean: delivered as attempt 1 with no attempt record; the one sync commit marks"
          + " the partition running at assignment")
  void cleanMarkerHandsOutFreely() {
    assign(new OffsetAndMetadata(5), 5, 6);
    start(this::record, null);

    await().until(() -> timeline.contains("handle 6 attempt 1"));
    List<String> events = List.copyOf(timeline);
    List<String> beforeHandler = events.subList(0, events.indexOf("handle 5 attempt 1"));
    assertThat(beforeHandler).containsExactly("sync 5 running");
    assertThat(List.copyOf(timeline)).noneMatch(e -> e.contains("attempt="));
  }

  @Test
  @DisplayName("while it runs, its asynchronous commits carry `running`")
  void asyncCommitsCarryRunning() {
    assign(null, 0, 1, 2);
    start(this::record, null);

    await().until(() -> timeline.contains("async 3 running"));
    assertThat(List.copyOf(timeline).stream().filter(e -> e.startsWith("async ")))
        .allMatch(e -> e.endsWith(" running"));
  }

  @Test
  @DisplayName("a clean close commits what is done with empty (clean) metadata")
  void cleanCloseCommitsClean() throws InterruptedException {
    assign(null, 0, 1, 2);
    start(this::record, null);
    await().until(() -> timeline.contains("async 3 running"));

    stop();

    assertThat(timeline.get(timeline.size() - 1)).isEqualTo("sync 3 ");
  }

  @Test
  @DisplayName(
      "an async handler ending with a VirtualMachineError: the record is never committed past, is"
          + " redelivered as attempt 2 after its attempt record, and the status reports the error")
  void asyncVirtualMachineErrorIsNotCommittedPast() {
    assign(new OffsetAndMetadata(5), 5, 6);
    start(
        null,
        d -> {
          record(d);
          if (d.offset() == 5 && d.attempt() == 1) {
            return CompletableFuture.runAsync(
                () -> {
                  throw new StackOverflowError("test");
                });
          }
          return CompletableFuture.completedFuture(null);
        });

    awaitSeekBackAndRefetch();
    await().until(() -> timeline.contains("handle 6 attempt 1"));

    List<String> events = List.copyOf(timeline);
    List<String> beforeRedelivery = events.subList(0, events.indexOf("handle 5 attempt 2"));
    assertThat(committedOffsets(beforeRedelivery)).allMatch(offset -> offset <= 5);
    assertThat(beforeRedelivery).doesNotContain("handle 6 attempt 1");
    assertThat(List.copyOf(timeline))
        .containsSubsequence("sync 5 attempt=5:2", "handle 5 attempt 2");
    assertThat(state.handlerError()).isInstanceOf(StackOverflowError.class);
  }

  @Test
  @DisplayName(
      "a sync handler throwing a VirtualMachineError: the partition keeps draining, the record is"
          + " redelivered as attempt 2")
  void syncVirtualMachineErrorKeepsDraining() {
    assign(new OffsetAndMetadata(5), 5, 6);
    start(
        d -> {
          record(d);
          if (d.offset() == 5 && d.attempt() == 1) {
            throw new StackOverflowError("test");
          }
        },
        null);

    awaitSeekBackAndRefetch();
    await().until(() -> timeline.contains("handle 6 attempt 1"));

    List<String> events = List.copyOf(timeline);
    List<String> beforeRedelivery = events.subList(0, events.indexOf("handle 5 attempt 2"));
    assertThat(committedOffsets(beforeRedelivery)).allMatch(offset -> offset <= 5);
    assertThat(state.handlerError()).isInstanceOf(StackOverflowError.class);
  }

  // ---- harness ------------------------------------------------------------------------------

  private void record(Delivery delivery) {
    timeline.add("handle " + delivery.offset() + " attempt " + delivery.attempt());
  }

  /** Assigns P0 at the first poll, with {@code committed} at the broker and these records. */
  private void assign(OffsetAndMetadata committed, long... offsets) {
    consumer.updateBeginningOffsets(Map.of(P0, 0L));
    consumer.schedulePollTask(
        () -> {
          if (committed != null) {
            consumer.seed(Map.of(P0, committed)); // after subscribe, which forgets commits
          }
          consumer.rebalance(List.of(P0));
          for (long offset : offsets) {
            consumer.addRecord(record(offset));
          }
        });
  }

  /**
   * After the failed first attempt at 5: the partition seeks back to it and nothing is committed
   * past it. MockConsumer drops what it returned, so 5 and 6 are offered again.
   */
  private void awaitSeekBackAndRefetch() {
    await()
        .until(
            () ->
                timeline.contains("handle 5 attempt 1")
                    && (consumer.position(P0) == 5
                        || committedOffsets(List.copyOf(timeline)).stream().anyMatch(o -> o > 5)));
    assertThat(committedOffsets(List.copyOf(timeline))).allMatch(offset -> offset <= 5);
    consumer.addRecord(record(5));
    consumer.addRecord(record(6));
    await().until(() -> timeline.contains("handle 5 attempt 2"));
  }

  private static List<Long> committedOffsets(List<String> events) {
    return events.stream()
        .filter(e -> e.startsWith("sync ") || e.startsWith("async "))
        .map(e -> Long.parseLong(e.split(" ")[1]))
        .toList();
  }

  private void start(MessageHandler handler, AsyncMessageHandler asyncHandler) {
    start(handler, asyncHandler, 1);
  }

  private void startPipelined(AsyncMessageHandler asyncHandler, int maxInFlight) {
    start(null, asyncHandler, maxInFlight);
  }

  private void start(MessageHandler handler, AsyncMessageHandler asyncHandler, int maxInFlight) {
    ConsumerSettings settings =
        new ConsumerSettings(
            List.of(TOPIC),
            "g",
            handler,
            asyncHandler,
            1,
            maxInFlight,
            DeliveryMode.AT_LEAST_ONCE,
            RetryPolicy.ofRetries(5).withBackoff(Duration.ofMillis(1), Duration.ofMillis(1)),
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
    TransactionalProducers transactions =
        new TransactionalProducers(
            "g",
            id -> {
              throw new AssertionError("not exactly-once");
            },
            state);
    PollLoop loop =
        new PollLoop(
            consumer,
            settings,
            link,
            state,
            pool,
            DrainStrategy.of(settings, link, transactions),
            transactions);
    pollThread = new Thread(loop, "test-poll");
    pollThread.start();
  }

  private void stop() throws InterruptedException {
    state.stop();
    consumer.wakeup();
    pollThread.join(10_000);
    assertThat(pollThread.isAlive()).isFalse();
  }

  private static ConsumerRecord<byte[], byte[]> record(long offset) {
    return new ConsumerRecord<>(TOPIC, 0, offset, null, new byte[0]);
  }

  /** A {@link MockConsumer} that puts the commits in the timeline and idles a little per poll. */
  private static final class RecordingConsumer extends MockConsumer<byte[], byte[]> {
    private final List<String> timeline;

    RecordingConsumer(List<String> timeline) {
      super("earliest");
      this.timeline = timeline;
    }

    /** What a previous owner committed. */
    void seed(Map<TopicPartition, OffsetAndMetadata> offsets) {
      super.commitAsync(offsets, null);
    }

    @Override
    public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
      offsets.forEach((tp, o) -> timeline.add("sync " + o.offset() + " " + o.metadata()));
      super.commitAsync(offsets, null); // MockConsumer's commitSync would call commitAsync
    }

    @Override
    public synchronized void commitAsync(
        Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
      offsets.forEach((tp, o) -> timeline.add("async " + o.offset() + " " + o.metadata()));
      super.commitAsync(offsets, callback);
    }

    @Override
    public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
      ConsumerRecords<byte[], byte[]> records = super.poll(timeout);
      if (records.isEmpty()) {
        try {
          Thread.sleep(1); // a real poll waits; the loop must not spin a core
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return records;
    }
  }
}
