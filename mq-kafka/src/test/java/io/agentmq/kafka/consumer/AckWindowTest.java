package io.agentmq.kafka.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AckWindowTest {
  private final AckWindow window = new AckWindow();

  @Test
  @DisplayName("acknowledging the oldest delivery moves the commit position just past it")
  void headAcknowledgementMoves() {
    window.start(10, 100);
    window.start(11, 200);
    assertThat(window.acknowledge(10)).isEqualTo(11);
  }

  @Test
  @DisplayName("an acknowledgement behind an unfinished delivery does not move the position")
  void neverPassesUnfinished() {
    window.start(10, 100);
    window.start(11, 200);
    window.start(12, 300);
    assertThat(window.acknowledge(11)).isEqualTo(-1);
    assertThat(window.acknowledge(12)).isEqualTo(-1);
  }

  @Test
  @DisplayName("once the unfinished head is acknowledged the position passes all acknowledged")
  void headReleasesAcknowledgedRun() {
    window.start(10, 100);
    window.start(11, 200);
    window.start(12, 300);
    window.start(13, 400);
    window.acknowledge(11);
    window.acknowledge(12);
    assertThat(window.acknowledge(10)).isEqualTo(13);
    assertThat(window.oldestStart(-1)).isEqualTo(400);
  }

  @Test
  @DisplayName("the oldest start is that of the oldest unacknowledged delivery, else the fallback")
  void oldestStart() {
    assertThat(window.oldestStart(-1)).isEqualTo(-1);
    window.start(10, 100);
    window.start(11, 200);
    assertThat(window.oldestStart(-1)).isEqualTo(100);
    window.acknowledge(10);
    assertThat(window.oldestStart(-1)).isEqualTo(200);
  }

  @Test
  @DisplayName("after clear, a late acknowledgement of a forgotten delivery moves nothing")
  void clearForgets() {
    window.start(10, 100);
    window.start(11, 200);
    window.clear();
    assertThat(window.oldestStart(-1)).isEqualTo(-1);
    assertThat(window.acknowledge(10)).isEqualTo(-1);
  }
}
