package io.agentmq.api.deadletter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DeadLetterTest {
  private static final Instant FAILED = Instant.parse("2026-12-01T10:00:00Z");

  private static DeadLetter deadLetter(String replayCount) {
    Message.Builder m =
        Message.builder(new byte[] {1, 2, 3})
            .id("id-1")
            .key("k")
            .header(Headers.TYPE, "x.v1.Order")
            .header(Headers.ATTEMPT, "4")
            .header(Headers.DLQ_REASON, "handler failed after 4 attempt(s): Boom: no")
            .header(Headers.DLQ_EXCEPTION, "x.Boom")
            .header(Headers.DLQ_ORIGINAL_TOPIC, "orders")
            .header(Headers.DLQ_FAILED_AT, Long.toString(FAILED.toEpochMilli()));
    if (replayCount != null) {
      m.header(Headers.REPLAY_COUNT, replayCount);
    }
    return new DeadLetter(m.build(), "orders.deadletter", 0, 7);
  }

  @Test
  @DisplayName(
      "a replay keeps id, key, headers and bytes, drops mq-dlq-* and the attempt, counts up")
  void toReplay() {
    Message replay = deadLetter("2").toReplay();

    assertThat(replay.id()).isEqualTo("id-1");
    assertThat(replay.key()).contains("k");
    assertThat(replay.payload()).containsExactly(1, 2, 3);
    assertThat(replay.headers())
        .containsExactlyInAnyOrderEntriesOf(
            java.util.Map.of(Headers.TYPE, "x.v1.Order", Headers.REPLAY_COUNT, "3"));
    assertThat(deadLetter(null).toReplay().header(Headers.REPLAY_COUNT)).contains("1");
    assertThat(deadLetter("garbage").replayCount()).isZero();
  }

  @Test
  @DisplayName("a dead letter without its payload or original topic is not replayable")
  void replayable() {
    assertThat(deadLetter(null).replayable()).isTrue();
    DeadLetter cut =
        new DeadLetter(
            deadLetter(null).message().withHeader(Headers.DLQ_PAYLOAD_DROPPED, "900000"),
            "orders.deadletter",
            0,
            7);
    assertThat(cut.replayable()).isFalse();
  }

  @Test
  @DisplayName("filters: reason substring in any case, ids, a half-open time range")
  void filters() {
    DeadLetter d = deadLetter(null);
    assertThat(DeadLetterFilter.ALL.matches(d)).isTrue();
    assertThat(DeadLetterFilter.ALL.withReasonContaining("BOOM").matches(d)).isTrue();
    assertThat(DeadLetterFilter.ALL.withReasonContaining("timeout").matches(d)).isFalse();
    assertThat(DeadLetterFilter.ALL.withIds(Set.of("id-1", "id-2")).matches(d)).isTrue();
    assertThat(DeadLetterFilter.ALL.withIds(Set.of("id-2")).matches(d)).isFalse();
    assertThat(DeadLetterFilter.ALL.withFailedFrom(FAILED).matches(d)).isTrue();
    assertThat(DeadLetterFilter.ALL.withFailedBefore(FAILED).matches(d)).isFalse();
    assertThat(DeadLetterFilter.ALL.withFailedBefore(FAILED.plusMillis(1)).matches(d)).isTrue();
    assertThatThrownBy(() -> DeadLetterFilter.ALL.withFailedFrom(FAILED).withFailedBefore(FAILED))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the time range is empty");
  }
}
