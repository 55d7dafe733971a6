package io.agentmq.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TraceContextTest {
  @Test
  @DisplayName("writes and reads a W3C traceparent, and a child keeps the trace with a new span")
  void traceparentRoundTripAndChild() {
    TraceContext root = TraceContext.newTrace();
    assertThat(root.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    TraceContext read = TraceContext.parse(root.traceparent()).orElseThrow();
    assertThat(read.traceId()).isEqualTo(root.traceId());
    assertThat(read.spanId()).isEqualTo(root.spanId());

    TraceContext child = read.child();
    assertThat(child.traceId()).isEqualTo(root.traceId());
    assertThat(child.parentSpanId()).isEqualTo(root.spanId());
    assertThat(child.spanId()).isNotEqualTo(root.spanId());
    assertThat(child.parentSpanId()).isEqualTo(root.spanId());
  }

  @Test
  @DisplayName("ignores malformed or invalid traceparent headers")
  void rejectsMalformed() {
    assertThat(TraceContext.parse(null)).isEmpty();
    assertThat(TraceContext.parse("garbage")).isEmpty();
    assertThat(TraceContext.parse("00-" + "0".repeat(32) + "-00f067aa0ba902b7-01")).isEmpty();
    assertThat(TraceContext.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-" + "0".repeat(16) + "-01"))
        .isEmpty();
    assertThat(TraceContext.parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        .isEmpty();
    assertThat(TraceContext.parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"))
        .isEmpty();
    assertThat(TraceContext.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        .isPresent();
  }

  @Test
  @DisplayName(
      "keeps the sender's sampling decision: an unsampled trace stays unsampled on every hop")
  void keepsTheSampledFlag() {
    TraceContext unsampled =
        TraceContext.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").orElseThrow();

    assertThat(unsampled.sampled()).isFalse();
    assertThat(unsampled.child().traceparent()).endsWith("-00");
    assertThat(TraceContext.newTrace().traceparent()).endsWith("-01");
  }
}
