package io.agentmq.opentelemetry;

import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingObserver;
import io.agentmq.api.Outcome;
import io.agentmq.api.RetryPolicy;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenTelemetry tracing of a {@link MessageQueue} on any backend: a {@code publish} span per send
 * whose context travels in the message's headers through the configured propagator (W3C {@code
 * traceparent} by default), and a {@code process} span per delivery, current while the handler
 * runs, so what the handler sends continues the trace.
 *
 * <pre>{@code
 * MessagingTracing.install(queue, openTelemetry);   // e.g. GlobalOpenTelemetry.get()
 * }</pre>
 *
 * <p>Links, where a parent alone would mislead:
 *
 * <ul>
 *   <li>A retry's {@code process} span links the previous attempt's (attempt {@code n-1}, when this
 *       process handled it), its parent still being the publish.
 *   <li>A dead letter's and a parked retry's {@code publish} span is a child of the {@code process}
 *       span that failed and links the original publish; the dead letter carries the failure's
 *       context on.
 *   <li>A replayed message ({@code mq-replay-count}) starts a new trace whose {@code process} span
 *       links the context it carried (the dead-lettering failure's).
 * </ul>
 *
 * <p>Attributes follow OpenTelemetry's messaging conventions ({@code messaging.system} {@code
 * agentmq}, {@code messaging.destination.name}, {@code messaging.consumer.group.name}, {@code
 * messaging.message.id}, {@code messaging.operation.type}) plus {@code agentmq.attempt}, {@code
 * agentmq.outcome}. With the OpenTelemetry API alone (no SDK) every span is a no-op and nothing is
 * added to messages. Thread-safe.
 */
public final class MessagingTracing implements MessagingObserver {
  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
  static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("agentmq.attempt");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("agentmq.outcome");

  /** How many messages' last failed attempt are remembered for the next attempt's link. */
  static final int REMEMBERED_ATTEMPTS = 10_000;

  private static final TextMapGetter<Map<String, String>> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final ConcurrentHashMap<Message, Span> publishing = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Span> processing = new ConcurrentHashMap<>();
  private final Map<String, SpanContext> failedAttempts =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, SpanContext> eldest) {
              return size() > REMEMBERED_ATTEMPTS;
            }
          });

  private MessagingTracing(OpenTelemetry openTelemetry) {
    this.tracer = openTelemetry.getTracer("io.agentmq");
    this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
  }

  /** Traces every producer and consumer of {@code queue}; closing the registration stops it. */
  public static Registration install(MessageQueue queue, OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    return queue.observe(new MessagingTracing(openTelemetry));
  }

  // ---- producing ------------------------------------------------------------------------------

  @Override
  public Message sending(String topic, Message message) {
    Map<String, String> headers = message.headers();
    SpanContext carried = Span.fromContext(extract(headers)).getSpanContext();
    Context parent = Context.current();
    String failedIn = failedIn(topic, headers);
    if (failedIn != null) {
      Span failed = processing.get(key(failedIn, message.id()));
      parent = failed != null ? Context.root().with(failed) : Context.root();
    }
    SpanBuilder builder =
        tracer
            .spanBuilder(topic + " publish")
            .setSpanKind(SpanKind.PRODUCER)
            .setParent(parent)
            .setAllAttributes(
                Attributes.of(
                    SYSTEM,
                    "agentmq",
                    DESTINATION,
                    topic,
                    OPERATION,
                    "publish",
                    MESSAGE_ID,
                    message.id()));
    boolean ownParent = Span.fromContext(parent).getSpanContext().isValid();
    if (carried.isValid() && !carried.equals(Span.fromContext(parent).getSpanContext())) {
      if (ownParent || failedIn != null) {
        builder.addLink(carried); // the original publish of a dead letter or parked retry
      } else {
        builder.setParent(Context.root().with(Span.wrap(carried))); // forwarded with its context
      }
    }
    Span span = builder.startSpan();
    if (!span.getSpanContext().isValid()) {
      return message; // no SDK: nothing to propagate
    }
    Message.Builder out = message.toBuilder();
    propagator.inject(Context.root().with(span), out, (b, name, value) -> b.header(name, value));
    Message sent = out.build();
    publishing.put(sent, span);
    return sent;
  }

  @Override
  public void published(String topic, Message message, long nanos) {
    Span span = publishing.remove(message);
    if (span != null) {
      span.end();
    }
  }

  @Override
  public void publishFailed(String topic, Message message, Throwable failure, long nanos) {
    Span span = publishing.remove(message);
    if (span != null) {
      span.recordException(failure);
      span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
      span.end();
    }
  }

  /**
   * The group whose failed delivery {@code topic} receives as a dead letter or a parked retry; null
   * for any other send.
   */
  private static String failedIn(String topic, Map<String, String> headers) {
    String group = headers.get(Headers.DLQ_GROUP);
    if (group != null && headers.containsKey(Headers.DLQ_REASON)) {
      return group;
    }
    String from = headers.get(Headers.RETRY_TOPIC);
    if (from != null
        && topic.startsWith(from + ".")
        && topic.endsWith(RetryPolicy.RETRY_SUFFIX)
        && topic.length() > from.length() + 1 + RetryPolicy.RETRY_SUFFIX.length()) {
      return topic.substring(from.length() + 1, topic.length() - RetryPolicy.RETRY_SUFFIX.length());
    }
    return null;
  }

  // ---- consuming ------------------------------------------------------------------------------

  @Override
  public Scope handling(Delivery delivery) {
    Map<String, String> headers = delivery.message().headers();
    Context carried = extract(headers);
    SpanContext carriedSpan = Span.fromContext(carried).getSpanContext();
    boolean replayed = headers.containsKey(Headers.REPLAY_COUNT);
    SpanBuilder builder =
        tracer
            .spanBuilder(delivery.topic() + " process")
            .setSpanKind(SpanKind.CONSUMER)
            .setAllAttributes(
                Attributes.of(
                    SYSTEM,
                    "agentmq",
                    DESTINATION,
                    delivery.topic(),
                    OPERATION,
                    "process",
                    GROUP,
                    delivery.group(),
                    MESSAGE_ID,
                    delivery.id(),
                    ATTEMPT,
                    (long) delivery.attempt()));
    if (replayed) {
      builder.setNoParent();
      if (carriedSpan.isValid()) {
        builder.addLink(carriedSpan);
      }
    } else {
      builder.setParent(carried);
    }
    String key = key(delivery.group(), delivery.id());
    if (delivery.attempt() > 1) {
      SpanContext previous = failedAttempts.remove(key);
      if (previous != null) {
        builder.addLink(previous);
      }
    }
    Span span = builder.startSpan();
    if (!span.getSpanContext().isValid()) {
      return Scope.NONE;
    }
    processing.put(key, span);
    io.opentelemetry.context.Scope current = span.makeCurrent();
    return current::close;
  }

  @Override
  public void settled(
      Delivery delivery, Outcome outcome, Optional<Throwable> failure, long handlerNanos) {
    String key = key(delivery.group(), delivery.id());
    Span span = processing.remove(key);
    if (span == null) {
      return;
    }
    span.setAttribute(OUTCOME, outcome.name().toLowerCase(Locale.ROOT));
    failure.ifPresent(
        f -> {
          span.recordException(f);
          span.setStatus(StatusCode.ERROR, f.getClass().getSimpleName());
        });
    if (outcome == Outcome.REDELIVERY_SCHEDULED || outcome == Outcome.RETRY_PARKED) {
      failedAttempts.put(key, span.getSpanContext());
    }
    span.end();
  }

  private Context extract(Map<String, String> headers) {
    return propagator.extract(Context.root(), headers, HEADERS);
  }

  private static String key(String group, String id) {
    return group + '\u0000' + id;
  }
}
