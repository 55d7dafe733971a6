package io.agentmq.kafka.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RetryAttemptsTest {
  private final RetryAttempts attempts = new RetryAttempts();

  @Test
  @DisplayName("a record that never failed is on attempt 1")
  void freshRecordIsOnFirstAttempt() {
    assertThat(attempts.attemptOf(0)).isEqualTo(1);
    assertThat(attempts.attemptOf(42)).isEqualTo(1);
  }

  @Test
  @DisplayName("the failed record is read again on the next attempt; other records stay on 1")
  void failedRecordAdvances() {
    attempts.failed(7, 1, 7);
    assertThat(attempts.attemptOf(7)).isEqualTo(2);
    assertThat(attempts.attemptOf(8)).isEqualTo(1);

    attempts.failed(7, 2, 7);
    assertThat(attempts.attemptOf(7)).isEqualTo(3);
  }

  @Test
  @DisplayName("success of the retried record resets it: read again later, it is on attempt 1")
  void successResets() {
    attempts.failed(7, 3, 7);
    attempts.succeeded(7);
    assertThat(attempts.attemptOf(7)).isEqualTo(1);
  }

  @Test
  @DisplayName("success of another record keeps the retried record's count")
  void otherSuccessKeepsCount() {
    attempts.failed(7, 1, 5);
    attempts.succeeded(5);
    assertThat(attempts.attemptOf(7)).isEqualTo(2);
  }

  @Test
  @DisplayName("pipelined: a later record failing does not take the count of an earlier one")
  void laterFailureKeepsEarliest() {
    attempts.failed(7, 2, 5);
    attempts.failed(9, 1, 5);
    assertThat(attempts.attemptOf(7)).isEqualTo(3);
    assertThat(attempts.attemptOf(9)).isEqualTo(1);
  }

  @Test
  @DisplayName("pipelined: an earlier record failing takes over, as it is read again first")
  void earlierFailureTakesOver() {
    attempts.failed(9, 1, 5);
    attempts.failed(7, 1, 5);
    assertThat(attempts.attemptOf(7)).isEqualTo(2);
    assertThat(attempts.attemptOf(9)).isEqualTo(1);
  }

  @Test
  @DisplayName("a tracked offset the partition has passed is stale: a later failure replaces it")
  void staleOffsetIsReplaced() {
    attempts.failed(7, 1, 5);
    // the partition moved past 7 since (re-read from a later committed offset): done is 10
    attempts.failed(12, 1, 10);
    assertThat(attempts.attemptOf(12)).isEqualTo(2);
    assertThat(attempts.attemptOf(7)).isEqualTo(1);
  }
}
