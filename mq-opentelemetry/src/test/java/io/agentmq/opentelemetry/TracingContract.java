package io.agentmq.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.NonRetryableException;
import io.agentmq.api.RetryPolicy;
import io.agentmq.api.Subscription;
import io.agentmq.api.deadletter.DeadLetterFilter;
import io.agentmq.api.deadletter.ReplayOptions;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tracing with {@link MessagingTracing} on a real backend, checked on the spans an OpenTelemetry
 * SDK exported: the trace runs from a send through the broker into the handler and on through what
 * the handler sends; a retry links its previous attempt; a dead letter's publish is a child of the
 * failed process span; a replay starts a new trace that links the dead-lettering. A backend runs it
 * by extending this class once.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public abstract class TracingContract {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private OpenTelemetrySdk otel;
  private MessageQueue queue;
  private String topic;

  /** Sets {@code broker_type} and whatever the backend needs to reach its broker. */
  protected abstract MqConfig.Builder configure(MqConfig.Builder builder);

  @BeforeEach
  void traced() {
    otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    topic = "traced-" + UUID.randomUUID().toString().substring(0, 8);
    queue = MessageQueue.create(configure(MqConfig.builder()).build());
    MessagingTracing.install(queue, otel);
  }

  @AfterEach
  void stop() {
    for (String t : List.of(topic, topic + ".next", topic + DeadLetterPolicy.SUFFIX)) {
      try {
        queue.admin().deleteTopic(t);
      } catch (RuntimeException e) {
        // a backend that cannot delete keeps a uniquely named topic
      }
    }
    queue.close();
    otel.close();
  }

  @Test
  void theTraceRunsFromTheSendThroughTheHandlerAndOnThroughItsSends() {
    String next = topic + ".next";
    queue.subscribe(
        Subscription.to(topic)
            .group("first")
            .handler(d -> d.producer().sendAndWait(next, Message.ofText("forwarded")))
            .build());
    queue.subscribe(Subscription.to(next).group("second").handler(d -> {}).build());

    Span request = otel.getTracer("test").spanBuilder("request").startSpan();
    try (Scope ignored = request.makeCurrent()) {
      queue.createProducer().sendAndWait(topic, Message.ofText("hello"));
    } finally {
      request.end();
    }

    SpanData secondProcess = awaitSpan(next + " process");
    SpanData forward = span(next + " publish");
    SpanData firstProcess = span(topic + " process");
    SpanData publish = span(topic + " publish");
    assertThat(publish.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
    assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(firstProcess.getParentSpanId()).isEqualTo(publish.getSpanId());
    assertThat(firstProcess.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(firstProcess.getAttributes().get(MessagingTracing.GROUP)).isEqualTo("first");
    assertThat(firstProcess.getAttributes().get(MessagingTracing.OUTCOME))
        .isEqualTo("acknowledged");
    assertThat(forward.getParentSpanId()).isEqualTo(firstProcess.getSpanId());
    assertThat(secondProcess.getParentSpanId()).isEqualTo(forward.getSpanId());
    assertThat(List.of(publish, firstProcess, forward, secondProcess))
        .extracting(SpanData::getTraceId)
        .containsOnly(request.getSpanContext().getTraceId());
  }

  @Test
  void aRetryLinksThePreviousAttemptAndADeadLetterIsAChildOfTheFailureAndAReplayLinksIt() {
    Set<String> failedOnce = ConcurrentHashMap.newKeySet();
    queue.subscribe(
        Subscription.to(topic)
            .group("g")
            .retryPolicy(
                RetryPolicy.ofRetries(3).withBackoff(Duration.ofMillis(10), Duration.ofMillis(50)))
            .handler(
                d -> {
                  String text = d.message().payloadAsText();
                  if (text.equals("bad") && d.message().headers().get("mq-replay-count") == null) {
                    throw new NonRetryableException("refused");
                  }
                  if (text.equals("flaky") && failedOnce.add(text)) {
                    throw new IllegalStateException("first attempt fails");
                  }
                })
            .build());
    queue.createProducer().sendAndWait(topic, Message.ofText("flaky"));

    // The retry: attempt 2 links attempt 1, both children of the one publish.
    List<SpanData> attempts = awaitSpans(topic + " process", 2);
    SpanData first = attempts.get(0);
    SpanData second = attempts.get(1);
    assertThat(first.getAttributes().get(MessagingTracing.OUTCOME))
        .isEqualTo("redelivery_scheduled");
    assertThat(second.getAttributes().get(MessagingTracing.ATTEMPT)).isEqualTo(2L);
    assertThat(second.getParentSpanId()).isEqualTo(first.getParentSpanId());
    assertThat(second.getLinks())
        .extracting(LinkData::getSpanContext)
        .extracting(SpanContext::getSpanId)
        .containsExactly(first.getSpanId());
    spans.reset();

    // The dead letter: its publish is a child of the failed process span, linking the original.
    queue.createProducer().sendAndWait(topic, Message.ofText("bad"));
    String deadLetterTopic = topic + DeadLetterPolicy.SUFFIX;
    SpanData deadLetterPublish = awaitSpan(deadLetterTopic + " publish");
    SpanData failed = span(topic + " process");
    SpanData original = span(topic + " publish");
    assertThat(failed.getAttributes().get(MessagingTracing.OUTCOME)).isEqualTo("dead_lettered");
    assertThat(deadLetterPublish.getParentSpanId()).isEqualTo(failed.getSpanId());
    assertThat(deadLetterPublish.getLinks())
        .extracting(l -> l.getSpanContext().getSpanId())
        .containsExactly(original.getSpanId());
    spans.reset();

    // The replay: a new trace whose process span links the dead-lettering.
    queue.deadLetters().replay(deadLetterTopic, DeadLetterFilter.ALL, ReplayOptions.defaults());
    SpanData replayed = awaitSpan(topic + " process");
    assertThat(replayed.getTraceId()).isNotEqualTo(deadLetterPublish.getTraceId());
    assertThat(replayed.getLinks())
        .extracting(l -> l.getSpanContext().getSpanId())
        .containsExactly(deadLetterPublish.getSpanId());
    assertThat(replayed.getAttributes().get(MessagingTracing.OUTCOME)).isEqualTo("acknowledged");
  }

  private SpanData awaitSpan(String name) {
    return awaitSpans(name, 1).get(0);
  }

  private List<SpanData> awaitSpans(String name, int count) {
    await()
        .atMost(WAIT)
        .until(
            () ->
                spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).count()
                    >= count);
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals(name))
        .sorted((a, b) -> Long.compare(a.getStartEpochNanos(), b.getStartEpochNanos()))
        .toList();
  }

  private SpanData span(String name) {
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name + " in " + names()));
  }

  private List<String> names() {
    return spans.getFinishedSpanItems().stream().map(SpanData::getName).toList();
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
