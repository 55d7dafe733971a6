package io.agentmq.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Message;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.Plan;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Typed sending and handling over a real (in-memory) broker, bad input included. */
class TypedMessagingTest {
  private final MessageQueue queue =
      MessageQueue.create(MqConfig.builder().brokerType("memory").build());
  private final MessageCodec codec = MessageCodec.create(Samples.registry());

  @AfterEach
  void close() {
    queue.close();
  }

  private static io.agentmq.api.Message raw(String type, String contentType, byte[] payload) {
    return io.agentmq.api.Message.builder(payload)
        .header(Headers.TYPE, type)
        .header(Headers.CONTENT_TYPE, contentType)
        .build();
  }

  @Test
  @DisplayName("delivers a sent ChangeRequest to a typed handler, decoded, in each content type")
  void typedRoundTrip() {
    List<ChangeRequest> received = new CopyOnWriteArrayList<>();
    queue.subscribe(
        "plan.in", "planner", codec.handler(ChangeRequest.class, (cr, d) -> received.add(cr)));

    for (ContentType type : ContentType.values()) {
      codec
          .encodingAs(type)
          .producer(queue.createProducer())
          .sendAndWait("plan.in", "req-1", Samples.changeRequest());
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 3);
    assertThat(received).containsOnly(Samples.changeRequest());
  }

  @Test
  @DisplayName(
      "dead-letters every kind of bad input with a reason naming it, and keeps handling"
          + " the good messages around them")
  void badInputIsDeadLettered() {
    List<Plan> handled = new CopyOnWriteArrayList<>();
    queue.subscribe(
        "code.plan.in", "code-planner", codec.handler(Plan.class, (plan, d) -> handled.add(plan)));
    Map<String, String> reasons = new ConcurrentHashMap<>();
    queue.subscribe(
        DeadLetterPolicy.deadLetterTopic("code.plan.in"),
        "audit",
        d -> reasons.put(d.id(), d.header(Headers.DLQ_REASON).orElse("")));
    Producer producer = queue.createProducer();
    TypedProducer typed = codec.producer(producer);
    byte[] plan = Samples.plan().toByteArray();
    Map<String, io.agentmq.api.Message> bad =
        Map.of(
            "garbage",
                raw(
                    "agentmq.v1.Plan",
                    "application/x-protobuf",
                    new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F}),
            "truncated",
                raw(
                    "agentmq.v1.Plan",
                    "application/x-protobuf",
                    java.util.Arrays.copyOf(plan, plan.length - 5)),
            "unknown type", raw("agentmq.v1.Unknown", "application/x-protobuf", plan),
            "wrong type", codec.encode(Samples.changeRequest()),
            "bad json",
                raw(
                    "agentmq.v1.Plan",
                    "application/json",
                    "{not json".getBytes(StandardCharsets.UTF_8)),
            "deep json",
                raw(
                    "agentmq.v1.Plan",
                    "application/json",
                    ("{\"steps\":" + "[".repeat(200) + "]".repeat(200) + "}")
                        .getBytes(StandardCharsets.UTF_8)));
    Map<String, String> expectedReason =
        Map.of(
            "garbage", "cannot decode agentmq.v1.Plan from application/x-protobuf",
            "truncated", "input ended unexpectedly",
            "unknown type", "unknown mq-type 'agentmq.v1.Unknown'",
            "wrong type", "mq-type says agentmq.v1.ChangeRequest",
            "bad json", "cannot decode agentmq.v1.Plan from application/json",
            "deep json", "over the limit of 128 JSON levels");

    typed.send("code.plan.in", "k", Samples.plan()).join();
    Map<String, String> idByCase = new ConcurrentHashMap<>();
    bad.forEach(
        (name, message) -> {
          producer.sendAndWait("code.plan.in", message.toBuilder().key("k").build());
          idByCase.put(name, message.id());
        });
    typed.send("code.plan.in", "k", Samples.plan()).join();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> reasons.size() == bad.size() && handled.size() == 2);
    expectedReason.forEach(
        (name, reason) ->
            assertThat(reasons.get(idByCase.get(name)))
                .as(name)
                .contains("non-retryable")
                .contains(reason));
    assertThat(handled).containsExactly(Samples.plan(), Samples.plan());
  }

  @Test
  @DisplayName("dispatches a topic of several types to the handler of each type")
  void dispatcher() {
    List<Message> seen = new CopyOnWriteArrayList<>();
    List<String> deadLetters = new CopyOnWriteArrayList<>();
    queue.subscribe(
        "commit.out",
        "orchestrator",
        codec
            .dispatcher()
            .on(CommitResult.class, (CommitResult c, Delivery d) -> seen.add(c))
            .on(
                io.agentmq.proto.v1.BuildReport.class,
                (io.agentmq.proto.v1.BuildReport b, Delivery d) -> seen.add(b))
            .build());
    queue.subscribe(
        DeadLetterPolicy.deadLetterTopic("commit.out"),
        "audit",
        d -> deadLetters.add(d.header(Headers.DLQ_REASON).orElse("")));
    TypedProducer producer = codec.producer(queue.createProducer());

    producer.sendAndWait("commit.out", "req-1", Samples.commitResult());
    producer.sendAndWait("commit.out", "req-1", Samples.buildReport());
    producer.sendAndWait("commit.out", "req-1", Samples.plan());

    await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2 && deadLetters.size() == 1);
    assertThat(seen).containsExactly(Samples.commitResult(), Samples.buildReport());
    assertThat(deadLetters.get(0)).contains("no handler for agentmq.v1.Plan");
  }

  @Test
  @DisplayName(
      "hands bare protobuf bytes from a client that is not AgentMQ to the typed handler; a topic"
          + " of several types dead-letters them with the reason")
  void messagesOfOtherClients() {
    List<ChangeRequest> received = new CopyOnWriteArrayList<>();
    List<String> deadLetters = new CopyOnWriteArrayList<>();
    queue.subscribe(
        "plan.in", "planner", codec.handler(ChangeRequest.class, (cr, d) -> received.add(cr)));
    queue.subscribe(
        "commit.out",
        "orchestrator",
        codec
            .dispatcher()
            .on(CommitResult.class, (CommitResult c, Delivery d) -> {})
            .on(
                io.agentmq.proto.v1.BuildReport.class,
                (io.agentmq.proto.v1.BuildReport b, Delivery d) -> {})
            .build());
    queue.subscribe(
        DeadLetterPolicy.deadLetterTopic("commit.out"),
        "audit",
        d -> deadLetters.add(d.header(Headers.DLQ_REASON).orElse("")));

    queue
        .createProducer()
        .sendAndWait(
            "plan.in", io.agentmq.api.Message.of("req-1", Samples.changeRequest().toByteArray()));
    queue
        .createProducer()
        .sendAndWait("commit.out", io.agentmq.api.Message.of(Samples.commitResult().toByteArray()));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> received.size() == 1 && deadLetters.size() == 1);
    assertThat(received).containsExactly(Samples.changeRequest());
    assertThat(deadLetters.get(0)).contains("names no type", "accepts several");
  }
}
