package io.agentmq.agents.runtime;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A W3C trace context ({@code traceparent}): the trace every hop of a request shares, the span of
 * one hop, the span it continues and the sampling decision, which travels on unchanged. Reading a
 * version {@code 00} header checks its ids with OpenTelemetry's {@link TraceId}/{@link SpanId}
 * rules; any other version goes to OpenTelemetry's {@link W3CTraceContextPropagator} (a malformed
 * one is refused there). Writing it joins the ids (version {@code 00}, the only one defined).
 *
 * @param traceId 32 lowercase hex digits, not all zero
 * @param spanId 16 lowercase hex digits, not all zero: this hop
 * @param parentSpanId the span this hop continues; empty for the first hop
 * @param sampled the trace's sampled flag, as the first hop's sender decided it
 */
public record TraceContext(String traceId, String spanId, String parentSpanId, boolean sampled) {
  private static final HexFormat HEX = HexFormat.of();
  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final String TRACEPARENT = "traceparent";
  private static final int VERSION_00_LENGTH = 55;

  private static final TextMapGetter<String> SINGLE_HEADER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
          return List.of(TRACEPARENT);
        }

        @Override
        public String get(String carrier, String key) {
          return TRACEPARENT.equals(key) ? carrier : null;
        }
      };

  /** A new, sampled trace: random trace and span ids, no parent. */
  public static TraceContext newTrace() {
    return new TraceContext(randomId(16), randomId(8), "", true);
  }

  /** The next hop of this trace: a new span whose parent is this one; sampling unchanged. */
  public TraceContext child() {
    return new TraceContext(traceId, randomId(8), spanId, sampled);
  }

  /** The same trace and parent with the span id another tracer chose (an OpenTelemetry SDK's). */
  TraceContext withSpan(String traceId, String spanId) {
    return new TraceContext(traceId, spanId, parentSpanId, sampled);
  }

  /** This hop as a remote parent for OpenTelemetry. */
  SpanContext toSpanContext() {
    return SpanContext.createFromRemoteParent(
        traceId,
        spanId,
        sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(),
        TraceState.getDefault());
  }

  /** The {@code traceparent} header value: {@code 00-<trace>-<span>-<flags>}. */
  public String traceparent() {
    return "00-" + traceId + '-' + spanId + (sampled ? "-01" : "-00");
  }

  /**
   * Reads a {@code traceparent} header; empty when absent or malformed (a malformed header starts a
   * new trace, as the W3C recommendation says, rather than failing the message).
   */
  public static Optional<TraceContext> parse(String traceparent) {
    if (traceparent == null) {
      return Optional.empty();
    }
    String header = traceparent.trim();
    if (header.length() == VERSION_00_LENGTH && header.startsWith("00-")) {
      return parseVersion00(header);
    }
    SpanContext sc =
        Span.fromContext(W3C.extract(Context.root(), header, SINGLE_HEADER)).getSpanContext();
    return sc.isValid()
        ? Optional.of(new TraceContext(sc.getTraceId(), sc.getSpanId(), "", sc.isSampled()))
        : Optional.empty();
  }

  /**
   * Version {@code 00}, the one every hop writes, read without the propagator's carrier and context
   * objects; the ids are checked by OpenTelemetry's own rules (lowercase hex, not all zero).
   */
  private static Optional<TraceContext> parseVersion00(String header) {
    String traceId = header.substring(3, 35);
    String spanId = header.substring(36, 52);
    char high = header.charAt(53);
    char low = header.charAt(54);
    if (header.charAt(35) != '-'
        || header.charAt(52) != '-'
        || !TraceId.isValid(traceId)
        || !SpanId.isValid(spanId)
        || !isLowerHex(high)
        || !isLowerHex(low)) {
      return Optional.empty();
    }
    boolean sampled = (Character.digit(low, 16) & 1) == 1;
    return Optional.of(new TraceContext(traceId, spanId, "", sampled));
  }

  private static boolean isLowerHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  }

  private static String randomId(int bytes) {
    byte[] b = new byte[bytes];
    do {
      ThreadLocalRandom.current().nextBytes(b);
    } while (allZero(b)); // an all-zero id is invalid
    return HEX.formatHex(b);
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }
}
