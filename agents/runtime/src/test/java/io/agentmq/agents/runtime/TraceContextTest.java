package io.agentmq.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;
import java.util.Optional;
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
  @DisplayName("reads every header as OpenTelemetry's W3C propagator does, version 00 and later")
  void agreesWithThePropagator() {
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    String span = "00f067aa0ba902b7";
    List<String> headers =
        List.of(
            "00-" + trace + "-" + span + "-01",
            "00-" + trace + "-" + span + "-00",
            "00-" + trace + "-" + span + "-03",
            " 00-" + trace + "-" + span + "-01 ",
            "00-" + trace + "-" + span + "-0F",
            "00-" + trace + "-" + span + "-zz",
            "00_" + trace + "-" + span + "-01",
            "00-" + trace + "_" + span + "-01",
            "00-" + trace + "-" + span + "_01",
            "00-" + trace + "-" + span.toUpperCase(java.util.Locale.ROOT) + "-01",
            "00-" + trace.substring(1) + "x-" + span + "-01",
            "00-" + trace + "-" + span + "-01-extra",
            "01-" + trace + "-" + span + "-01",
            "01-" + trace + "-" + span + "-01-future",
            "cc-" + trace + "-" + span + "-00");
    W3CTraceContextPropagator w3c = W3CTraceContextPropagator.getInstance();
    TextMapGetter<String> getter =
        new TextMapGetter<>() {
          @Override
          public Iterable<String> keys(String carrier) {
            return List.of("traceparent");
          }

          @Override
          public String get(String carrier, String key) {
            return carrier;
          }
        };
    for (String header : headers) {
      SpanContext expected =
          Span.fromContext(w3c.extract(Context.root(), header.trim(), getter)).getSpanContext();
      Optional<TraceContext> read = TraceContext.parse(header);
      assertThat(read.isPresent()).as(header).isEqualTo(expected.isValid());
      read.ifPresent(
          t -> {
            assertThat(t.traceId()).as(header).isEqualTo(expected.getTraceId());
            assertThat(t.spanId()).as(header).isEqualTo(expected.getSpanId());
            assertThat(t.sampled()).as(header).isEqualTo(expected.isSampled());
          });
    }
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
