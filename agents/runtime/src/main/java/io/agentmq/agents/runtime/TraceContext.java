package io.agentmq.agents.runtime;

import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A W3C trace context ({@code traceparent}): the trace every hop of a request shares, the span of
 * one hop and the span it continues.
 *
 * @param traceId 32 lowercase hex digits, not all zero
 * @param spanId 16 lowercase hex digits, not all zero: this hop
 * @param parentSpanId the span this hop continues; empty for the first hop
 */
public record TraceContext(String traceId, String spanId, String parentSpanId) {
  private static final HexFormat HEX = HexFormat.of();
  private static final String INVALID_TRACE = "0".repeat(32);
  private static final String INVALID_SPAN = "0".repeat(16);

  /** A new trace: random trace and span ids, no parent. */
  public static TraceContext newTrace() {
    return new TraceContext(randomHex(16, INVALID_TRACE), randomHex(8, INVALID_SPAN), "");
  }

  /** The next hop of this trace: a new span whose parent is this one. */
  public TraceContext child() {
    return new TraceContext(traceId, randomHex(8, INVALID_SPAN), spanId);
  }

  /** The same trace and parent with the span id another tracer chose (an OpenTelemetry SDK's). */
  TraceContext withSpan(String traceId, String spanId) {
    return new TraceContext(traceId, spanId, parentSpanId);
  }

  /** The {@code traceparent} header value: {@code 00-<trace>-<span>-01}. */
  public String traceparent() {
    return "00-" + traceId + "-" + spanId + "-01";
  }

  /**
   * Reads a {@code traceparent} header; empty when absent or malformed (a malformed header starts a
   * new trace, as the W3C recommendation says, rather than failing the message).
   */
  public static Optional<TraceContext> parse(String traceparent) {
    if (traceparent == null || traceparent.length() < 55) {
      return Optional.empty();
    }
    String[] parts = traceparent.trim().split("-", -1);
    // Version 00 has exactly four fields; later versions may add fields after them.
    if (parts.length < 4
        || (parts[0].equals("00") && parts.length != 4)
        || !isHex(parts[0], 2)
        || parts[0].equals("ff")
        || !isHex(parts[3], 2)
        || !isHex(parts[1], 32)
        || !isHex(parts[2], 16)
        || parts[1].equals(INVALID_TRACE)
        || parts[2].equals(INVALID_SPAN)) {
      return Optional.empty();
    }
    return Optional.of(new TraceContext(parts[1], parts[2], ""));
  }

  private static boolean isHex(String s, int length) {
    if (s.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static String randomHex(int bytes, String invalid) {
    byte[] b = new byte[bytes];
    String hex;
    do {
      ThreadLocalRandom.current().nextBytes(b);
      hex = HEX.formatHex(b);
    } while (hex.equals(invalid));
    return hex;
  }
}
