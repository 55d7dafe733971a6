package io.agentmq.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.NonRetryableException;
import io.agentmq.proto.AgentMqSchemas;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.Metadata;
import io.agentmq.proto.v1.Plan;
import io.agentmq.serialization.MessageCodec;
import io.agentmq.serialization.TypeRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class AgentRuntimeTest {
  private final MessageCodec codec = MessageCodec.create(TypeRegistry.of(AgentMqSchemas.files()));
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Queue<Hop> hops = new ConcurrentLinkedQueue<>();
  private MessageQueue queue;
  private AgentRuntime runtime;

  @BeforeEach
  void open() {
    queue =
        MessageQueue.create(
            MqConfig.builder()
                .brokerType("memory")
                .set("max_retries", "1")
                .set("retry.initial_backoff_ms", "10")
                .build());
    runtime = AgentRuntime.builder(queue, codec).meters(meters).listener(hops::add).build();
  }

  @AfterEach
  void close() {
    runtime.close();
    queue.close();
  }

  /** ChangeRequest on "in" to a Plan on "out"; the request with id "boom" cannot be planned. */
  private AgentService planner(Map<String, String> mdcSeen) {
    return AgentService.named("planner")
        .group("planner")
        .on(
            "in",
            ChangeRequest.class,
            (request, context) -> {
              mdcSeen.put(request.getId(), MDC.get(AgentRuntime.MDC_TRACE_ID));
              if (request.getId().equals("boom")) {
                throw new NonRetryableException("cannot plan boom");
              }
              if (request.getId().equals("flaky")) {
                throw new IllegalStateException("fails every time");
              }
              context.emit(
                  "out",
                  request.getId(),
                  Plan.newBuilder()
                      .setRequestId(request.getId())
                      .setMetadata(metadataOf(context))
                      .build());
            })
        .build();
  }

  /** The sample schema's payload metadata, written from the hop's context. */
  private static Metadata metadataOf(AgentContext context) {
    return Metadata.newBuilder()
        .setTraceId(context.trace().traceId())
        .setSpanId(context.trace().spanId())
        .setParentSpanId(context.trace().parentSpanId())
        .setCorrelationId(context.correlationId())
        .build();
  }

  private void send(String topic, ChangeRequest request) {
    queue.createProducer().sendAndWait(topic, codec.encode(request));
  }

  /** How many of the planner group's deliveries on "in" ended with {@code outcome}. */
  private double handled(String outcome) {
    return meters
        .get("agentmq.consumer.handled")
        .tags("group", "planner", "topic", "in", "outcome", outcome)
        .timer()
        .count();
  }

  @Test
  @DisplayName(
      "the queue's meters count each service's deliveries by outcome, its sends and its lag")
  void metrics() {
    Queue<Delivery> deadLetters = new ConcurrentLinkedQueue<>();
    queue.subscribe("in.deadletter", "dl", deadLetters::add);
    queue.subscribe("out", "sink", d -> {});
    runtime.start(planner(new ConcurrentHashMap<>()));

    for (int i = 0; i < 5; i++) {
      send("in", ChangeRequest.newBuilder().setId("r" + i).build());
    }
    send("in", ChangeRequest.newBuilder().setId("boom").build());
    send("in", ChangeRequest.newBuilder().setId("flaky").build());
    queue.createProducer().sendAndWait("in", Message.of(new byte[] {1, 2, 3}));
    queue.createProducer().sendAndWait("in", codec.encode(Plan.getDefaultInstance()));

    // The engine reports a dead letter once it is published, so the topic may show it first.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> deadLetters.size() == 4 && handled("dead_lettered") >= 4);
    // "flaky" is tried twice (max_retries 1) before it is given up: 10 deliveries, 5 failures.
    assertThat(
            meters
                .get("agentmq.consumer.delivered")
                .tags("group", "planner", "topic", "in")
                .counter()
                .count())
        .isEqualTo(10);
    assertThat(handled("acknowledged")).isEqualTo(5);
    assertThat(handled("redelivery_scheduled")).isEqualTo(1);
    assertThat(handled("dead_lettered")).isEqualTo(4);
    assertThat(
            meters
                .get("agentmq.producer.sent")
                .tags("topic", "out", "result", "success")
                .timer()
                .count())
        .isEqualTo(5);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> meters.get("agentmq.consumer.lag").tag("group", "planner").gauge().value() == 0);
    assertThat(deadLetters.stream().map(d -> d.header("mq-dlq-reason").orElse("")))
        .anySatisfy(
            r -> assertThat(r).contains("does not handle agentmq.v1.Plan", "[ChangeRequest]"))
        .anySatisfy(r -> assertThat(r).contains("cannot plan boom"))
        .anySatisfy(r -> assertThat(r).contains("failed 2 attempts"));
    assertThat(runtime.health().isUp()).isTrue();
  }

  @Test
  @DisplayName(
      "continues the sender's trace: the handler sees it in the MDC and its outputs carry a child"
          + " span and the correlation id")
  void continuesTheTrace() {
    Map<String, String> mdc = new ConcurrentHashMap<>();
    Queue<Delivery> out = new ConcurrentLinkedQueue<>();
    queue.subscribe("out", "sink", out::add);
    runtime.start(planner(mdc));
    TraceContext sender = TraceContext.newTrace();

    queue
        .createProducer()
        .sendAndWait(
            "in",
            codec
                .encoder(ChangeRequest.newBuilder().setId("t1").build())
                .header(Headers.TRACEPARENT, sender.traceparent())
                .header(Headers.CORRELATION_ID, "request-7")
                .build());

    await().atMost(Duration.ofSeconds(10)).until(() -> out.size() == 1);
    Delivery d = out.peek();
    TraceContext hop =
        TraceContext.parse(d.header(Headers.TRACEPARENT).orElseThrow()).orElseThrow();
    assertThat(hop.traceId()).isEqualTo(sender.traceId());
    assertThat(hop.spanId()).isNotEqualTo(sender.spanId());
    assertThat(d.header(Headers.CORRELATION_ID)).contains("request-7");
    Plan plan = codec.decode(d.message(), Plan.class);
    assertThat(plan.getMetadata().getTraceId()).isEqualTo(sender.traceId());
    assertThat(plan.getMetadata().getParentSpanId()).isEqualTo(sender.spanId());
    assertThat(plan.getMetadata().getSpanId()).isEqualTo(hop.spanId());
    assertThat(mdc).containsEntry("t1", sender.traceId());
    assertThat(hops)
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.correlationId()).isEqualTo("request-7");
              assertThat(h.trace().parentSpanId()).isEqualTo(sender.spanId());
              assertThat(h.outputs()).containsExactly("out");
            });
  }

  @Test
  @DisplayName(
      "one payload emitted to two topics arrives on both with the same bytes and headers and a"
          + " message id each")
  void fanOut() {
    Queue<Delivery> first = new ConcurrentLinkedQueue<>();
    Queue<Delivery> second = new ConcurrentLinkedQueue<>();
    queue.subscribe("fan.a", "sink", first::add);
    queue.subscribe("fan.b", "sink", second::add);
    runtime.start(
        AgentService.named("fan")
            .group("fan")
            .on(
                "in",
                ChangeRequest.class,
                (request, context) -> {
                  Plan plan = Plan.newBuilder().setRequestId(request.getId()).build();
                  context.emit("fan.a", request.getId(), plan);
                  context.emit("fan.b", request.getId(), plan);
                })
            .build());

    send("in", ChangeRequest.newBuilder().setId("f1").build());

    await().atMost(Duration.ofSeconds(10)).until(() -> first.size() == 1 && second.size() == 1);
    Delivery a = first.peek();
    Delivery b = second.peek();
    assertThat(codec.decode(b.message(), Plan.class).getRequestId()).isEqualTo("f1");
    assertThat(b.message().payload()).isEqualTo(a.message().payload());
    assertThat(b.message().headers()).isEqualTo(a.message().headers()).containsKey("mq-type");
    assertThat(b.message().key()).contains("f1");
    assertThat(b.id()).isNotEqualTo(a.id());
    assertThat(hops)
        .singleElement()
        .satisfies(h -> assertThat(h.outputs()).containsExactly("fan.a", "fan.b"));
  }

  @Test
  @DisplayName(
      "records an OpenTelemetry span per hop, child of the sender's, when an SDK is installed")
  void openTelemetrySpans() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    GlobalOpenTelemetry.resetForTest();
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build())
            .buildAndRegisterGlobal();
    try {
      Queue<Delivery> out = new ConcurrentLinkedQueue<>();
      queue.subscribe("out", "sink", out::add);
      runtime.start(planner(new ConcurrentHashMap<>()));
      TraceContext sender = TraceContext.newTrace();
      queue
          .createProducer()
          .sendAndWait(
              "in",
              codec
                  .encoder(ChangeRequest.newBuilder().setId("o1").build())
                  .header(Headers.TRACEPARENT, sender.traceparent())
                  .build());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> out.size() == 1 && !exporter.getFinishedSpanItems().isEmpty());

      List<SpanData> spans = exporter.getFinishedSpanItems();
      TraceContext hop =
          TraceContext.parse(out.peek().header(Headers.TRACEPARENT).orElseThrow()).orElseThrow();
      assertThat(spans)
          .singleElement()
          .satisfies(
              s -> {
                assertThat(s.getName()).isEqualTo("in process");
                assertThat(s.getTraceId()).isEqualTo(sender.traceId());
                assertThat(s.getParentSpanId()).isEqualTo(sender.spanId());
                // The outputs carry the span's own id, so the next hop is its child.
                assertThat(hop.spanId()).isEqualTo(s.getSpanId());
              });
    } finally {
      sdk.close();
      GlobalOpenTelemetry.resetForTest();
    }
  }
}
