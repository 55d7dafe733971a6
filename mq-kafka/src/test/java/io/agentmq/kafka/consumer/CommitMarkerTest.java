package io.agentmq.kafka.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommitMarkerTest {

  @Test
  @DisplayName("each marker reads back from the metadata it writes")
  void roundTrip() {
    for (CommitMarker marker :
        new CommitMarker[] {
          CommitMarker.CLEAN, CommitMarker.RUNNING, new CommitMarker.Attempt(42, 3)
        }) {
      assertThat(CommitMarker.parse(marker.metadata())).isEqualTo(marker);
      assertThat(CommitMarker.of(marker.at(7))).isEqualTo(marker);
    }
    assertThat(new CommitMarker.Attempt(42, 3).metadata()).isEqualTo("attempt=42:3");
    assertThat(CommitMarker.RUNNING.at(7)).isEqualTo(new OffsetAndMetadata(7, "running"));
    assertThat(CommitMarker.CLEAN.at(7)).isEqualTo(new OffsetAndMetadata(7));
  }

  @Test
  @DisplayName("only a clean marker says the owner stopped cleanly")
  void cleanliness() {
    assertThat(CommitMarker.CLEAN.clean()).isTrue();
    assertThat(CommitMarker.RUNNING.clean()).isFalse();
    assertThat(new CommitMarker.Attempt(0, 1).clean()).isFalse();
  }

  @Test
  @DisplayName("no commit at all is clean: every owner marks a partition running before handling")
  void noCommitIsClean() {
    assertThat(CommitMarker.of(null)).isEqualTo(CommitMarker.CLEAN);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{\"app\":\"other\"}",
        "Running",
        "running ",
        "attempt=",
        "attempt=5",
        "attempt=x:2",
        "attempt=5:y",
        "attempt=5:0",
        "attempt=-1:2",
        "attempt=5:99999999999"
      })
  @DisplayName("metadata another client wrote, or none, reads as clean")
  void foreignMetadataIsClean(String metadata) {
    assertThat(CommitMarker.parse(metadata)).isEqualTo(CommitMarker.CLEAN);
  }
}
