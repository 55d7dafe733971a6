package io.agentmq.agents.runtime;

import com.google.protobuf.Message;
import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.Health;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.NonRetryableException;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import io.agentmq.micrometer.MessagingMetrics;
import io.agentmq.serialization.MessageCodec;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs {@link AgentService}s on a {@link MessageQueue}: decodes each message, continues its trace,
 * calls the handler and, once its outputs are stored, lets the queue acknowledge, retry or
 * dead-letter it. Its meters are the queue's own ({@link MessagingMetrics}, bound to the registry
 * it is given: tag {@code group} is the service's group). Built with {@link #builder(MessageQueue,
 * MessageCodec)}.
 *
 * <p>Thread-safe. {@link #close()} stops every service, letting in-flight messages finish and be
 * acknowledged; it does not close the queue, which the caller owns. Idempotent.
 */
public final class AgentRuntime implements AutoCloseable {
  /** MDC keys set while a handler runs, for log patterns: {@code %X{trace_id}}. */
  public static final String MDC_TRACE_ID = "trace_id";

  public static final String MDC_SPAN_ID = "span_id";
  public static final String MDC_CORRELATION_ID = "correlation_id";

  private static final Logger LOG = LoggerFactory.getLogger(AgentRuntime.class);

  private final MessageQueue queue;
  private final MessageCodec codec;
  private final MessagingMetrics metrics;
  private final Hop.Listener listener;
  private final PayloadTrace payloadTrace;
  private final List<Running> running = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private AgentRuntime(Builder b) {
    this.queue = b.queue;
    this.codec = b.codec;
    this.metrics = new MessagingMetrics(queue);
    metrics.bindTo(b.meters);
    this.listener = b.listener;
    this.payloadTrace = b.payloadTrace;
  }

  /**
   * A runtime on {@code queue} (which the caller owns and closes), decoding with {@code codec}: it
   * holds the application's message types.
   */
  public static Builder builder(MessageQueue queue, MessageCodec codec) {
    return new Builder(queue, codec);
  }

  /** Subscribes {@code service}; its messages flow from now on. */
  public synchronized void start(AgentService service) {
    if (closed) {
      throw new IllegalStateException("the runtime is closed");
    }
    Running r = new Running(service);
    Subscription.Builder subscription =
        Subscription.to(service.topics().toArray(String[]::new))
            .group(service.group())
            .maxInFlight(service.maxInFlight())
            .asyncHandler(delivery -> handle(r, delivery));
    if (service.concurrency() > 0) {
      subscription.concurrency(service.concurrency());
    }
    r.consumer = queue.subscribe(subscription.build());
    running.add(r);
    LOG.info("started {}", service);
  }

  /** The services' health: up while the queue and every service's consumer are up. */
  public Health health() {
    Map<String, Object> details = new LinkedHashMap<>();
    Health broker = queue.health();
    boolean up = broker.isUp() && !closed && !running.isEmpty();
    details.put("backend", queue.backend());
    details.put("broker", broker.status().toString());
    Map<String, Object> services = new LinkedHashMap<>();
    for (Running r : running) {
      Health h = r.consumer.health();
      up &= h.isUp();
      services.put(r.service.name(), h.details());
    }
    details.put("services", services);
    return up ? Health.up(details) : Health.down(details);
  }

  /** The names of the running services. */
  public List<String> services() {
    List<String> names = new ArrayList<>();
    running.forEach(r -> names.add(r.service.name()));
    return names;
  }

  /**
   * Decodes, calls the handler and returns a stage that completes once every output is stored: the
   * queue acknowledges the message then (a failed output fails it, so it is retried). The
   * partition's next message may start meanwhile ({@link AgentService#maxInFlight()}).
   */
  private CompletableFuture<Void> handle(Running r, Delivery delivery) {
    long start = System.nanoTime();
    Message input =
        codec.decodeExpecting(
            delivery.message(), Message.class, r.service.typesOn(delivery.topic()));
    // The payload's own trace is read only for what the headers lack.
    Optional<TraceContext> fromHeader =
        delivery.header(Headers.TRACEPARENT).flatMap(TraceContext::parse);
    Optional<String> correlationHeader = delivery.header(Headers.CORRELATION_ID);
    Optional<PayloadTrace.Carried> carried =
        fromHeader.isPresent() && correlationHeader.isPresent()
            ? Optional.empty()
            : payloadTrace.read(input);
    TraceContext parent =
        fromHeader.or(() -> carried.flatMap(PayloadTrace.Carried::trace)).orElse(null);
    String correlationId =
        correlationHeader
            .or(() -> carried.flatMap(PayloadTrace.Carried::correlationId))
            .orElse(delivery.id());
    Span span = startSpan(r, delivery, parent);
    TraceContext trace =
        Tracing.contextOf(span, parent != null ? parent.child() : TraceContext.newTrace());
    AgentContext context =
        new AgentContext(r.service.name(), delivery, trace, correlationId, codec);
    Attempt attempt =
        new Attempt(r, delivery, input.getDescriptorForType().getFullName(), context, span);
    MDC.put(MDC_TRACE_ID, trace.traceId());
    MDC.put(MDC_SPAN_ID, trace.spanId());
    MDC.put(MDC_CORRELATION_ID, correlationId);
    try {
      AgentHandler<Message> handler = r.service.handler(messageClass(input));
      if (handler == null) {
        throw new NonRetryableException(
            "service "
                + r.service.name()
                + " does not handle "
                + attempt.type
                + " (on "
                + delivery.topic()
                + "); it handles "
                + r.service.acceptedTypes());
      }
      handler.handle(input, context);
    } catch (Exception | Error e) {
      finish(attempt, start, e);
      return CompletableFuture.failedFuture(e);
    } finally {
      MDC.remove(MDC_TRACE_ID);
      MDC.remove(MDC_SPAN_ID);
      MDC.remove(MDC_CORRELATION_ID);
    }
    return CompletableFuture.allOf(context.sends().toArray(CompletableFuture[]::new))
        .handle(
            (ignored, failure) -> {
              Throwable cause = unwrap(failure);
              finish(attempt, start, cause);
              if (cause != null) {
                throw new CompletionException(cause);
              }
              return null;
            });
  }

  /** Records a handled (failure null) or failed message: span, log, listener. */
  private void finish(Attempt a, long start, Throwable failure) {
    Running r = a.running;
    long nanos = System.nanoTime() - start;
    if (failure != null) {
      a.span.recordException(failure);
      a.span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
      LOG.warn(
          "{} failed on {} from {} (attempt {}): {}",
          r.service.name(),
          a.type,
          a.delivery.topic(),
          a.delivery.attempt(),
          failure.toString());
    }
    a.span.end();
    try {
      listener.onHop(
          new Hop(
              r.service.name(),
              a.delivery.topic(),
              a.type,
              a.context.correlationId(),
              a.context.trace(),
              a.context.outputs(),
              Duration.ofNanos(nanos),
              failure == null ? Optional.empty() : Optional.of(failure.toString())));
    } catch (RuntimeException e) {
      // The listener's failure must not turn a handled message into a retry.
      LOG.warn("hop listener failed: {}", e.toString());
    }
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  @SuppressWarnings("unchecked")
  private static Class<Message> messageClass(Message input) {
    return (Class<Message>) input.getClass();
  }

  private static Span startSpan(Running r, Delivery delivery, TraceContext parent) {
    Span span = Tracing.start(delivery.topic() + " process", SpanKind.CONSUMER, parent);
    span.setAttribute("messaging.operation.type", "process");
    span.setAttribute("messaging.destination.name", delivery.topic());
    span.setAttribute("messaging.consumer.group.name", r.service.group());
    span.setAttribute("messaging.message.id", delivery.id());
    span.setAttribute("agentmq.service", r.service.name());
    return span;
  }

  /** Stops every service: in-flight messages finish and are acknowledged first. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    metrics.close();
    for (Running r : running) {
      try {
        r.consumer.close();
        LOG.info("stopped {}", r.service.name());
      } catch (RuntimeException e) {
        LOG.warn("stopping {} failed: {}", r.service.name(), e.toString());
      }
    }
  }

  /** Collects a runtime's collaborators; only the queue and the codec are required. */
  public static final class Builder {
    private final MessageQueue queue;
    private final MessageCodec codec;
    private MeterRegistry meters = Metrics.globalRegistry;
    private Hop.Listener listener = Hop.Listener.NONE;
    private PayloadTrace payloadTrace = PayloadTrace.NONE;

    private Builder(MessageQueue queue, MessageCodec codec) {
      this.queue = Objects.requireNonNull(queue, "queue");
      this.codec = Objects.requireNonNull(codec, "codec");
    }

    /**
     * Where the queue's meters go ({@link MessagingMetrics}: bind it to no other registry for the
     * same queue); Micrometer's global registry by default.
     */
    public Builder meters(MeterRegistry meters) {
      this.meters = Objects.requireNonNull(meters, "meters");
      return this;
    }

    /** Told of every hop as it happens; none by default. */
    public Builder listener(Hop.Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Reads a payload's own trace when a message has no trace headers; none by default. */
    public Builder payloadTrace(PayloadTrace payloadTrace) {
      this.payloadTrace = Objects.requireNonNull(payloadTrace, "payloadTrace");
      return this;
    }

    public AgentRuntime build() {
      return new AgentRuntime(this);
    }
  }

  /** One message in a service's handler: what {@link #finish} records when it is done. */
  private record Attempt(
      Running running, Delivery delivery, String type, AgentContext context, Span span) {}

  private static final class Running {
    final AgentService service;
    volatile Subscriber consumer;

    Running(AgentService service) {
      this.service = service;
    }
  }
}
