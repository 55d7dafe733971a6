package io.agentmq.agents.runtime;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;

/**
 * OpenTelemetry spans for the hops, when an SDK is installed ({@code GlobalOpenTelemetry}); with
 * the API alone the spans are no-ops and the runtime's own {@link TraceContext} ids are used.
 */
public final class Tracing {
  private Tracing() {}

  /** Starts a span continuing {@code parent} (a new trace when null). Set attributes and end it. */
  public static Span start(String name, SpanKind kind, TraceContext parent) {
    Context context = Context.root();
    if (parent != null) {
      context = context.with(Span.wrap(parent.toSpanContext()));
    }
    SpanBuilder builder =
        GlobalOpenTelemetry.getTracer("io.agentmq.agents")
            .spanBuilder(name)
            .setParent(context)
            .setSpanKind(kind)
            .setAttribute("messaging.system", "agentmq");
    return builder.startSpan();
  }

  /**
   * The trace context of a hop: {@code planned} (a child of the parent, or a new trace), with the
   * ids of {@code span} when a real tracer made them, so logs, headers and spans agree.
   */
  public static TraceContext contextOf(Span span, TraceContext planned) {
    SpanContext sc = span.getSpanContext();
    // Without an SDK the API's span carries the parent's context: keep the planned ids then.
    boolean made = sc.isValid() && !sc.getSpanId().equals(planned.parentSpanId());
    return made ? planned.withSpan(sc.getTraceId(), sc.getSpanId()) : planned;
  }
}
