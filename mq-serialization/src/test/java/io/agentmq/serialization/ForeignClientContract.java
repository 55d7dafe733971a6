package io.agentmq.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Int64Value;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The wire contract with clients that are not AgentMQ, run by each broker backend with that
 * broker's own client: bare protobuf bytes with a key reach a typed handler, the broker's standard
 * fields fill the envelope, AgentMQ's messages are readable by a plain consumer, and what the
 * previous version wrote is still read.
 */
public abstract class ForeignClientContract {
  /** What the previous version (0.1.0) wrote for one message; each backend replays its bytes. */
  public static final String PREVIOUS_ID = "prev-0001";

  public static final String PREVIOUS_KEY = "k-prev";
  public static final long PREVIOUS_TIMESTAMP_MILLIS = 1_764_000_000_123L;
  public static final String PREVIOUS_CORRELATION_ID = "corr-prev";
  public static final StringValue PREVIOUS_PAYLOAD = StringValue.of("written by 0.1.0");

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final MessageCodec codec =
      MessageCodec.create(
          TypeRegistry.empty().register(StringValue.class).register(Int64Value.class));
  private final List<String> topics = new ArrayList<>();
  private MessageQueue queue;
  private RawClient raw;

  /** The broker's settings for an AgentMQ queue. */
  protected abstract MqConfig.Builder configure(MqConfig.Builder builder);

  /** A client of the broker's own library, that knows nothing of AgentMQ. */
  protected abstract RawClient rawClient() throws Exception;

  /** One message as a plain consumer of the broker reads it. */
  public record RawRecord(
      String key,
      byte[] payload,
      long timestampMillis,
      String messageId,
      String type,
      String correlationId,
      Map<String, String> headers) {}

  /** The fields a plain producer sets where its broker has them. */
  public record StandardFields(
      String messageId, String type, String contentType, String correlationId, Instant timestamp) {}

  /** Publishes and reads with the broker's own client. */
  public interface RawClient extends AutoCloseable {
    /** Publishes bytes with a key and nothing else. */
    void publishBare(String topic, String key, byte[] payload) throws Exception;

    /**
     * Publishes with the broker's own fields set (Kafka, which has none: the documented headers).
     */
    void publishStandard(String topic, String key, byte[] payload, StandardFields fields)
        throws Exception;

    /** Publishes the bytes the previous version wrote for the {@code PREVIOUS_*} message. */
    void publishPreviousFormat(String topic) throws Exception;

    /** Starts reading {@code topic} as a plain consumer; messages published after this arrive. */
    RawReader read(String topic) throws Exception;
  }

  /** A plain consumer of one topic. */
  public interface RawReader extends AutoCloseable {
    /** The next message, waiting up to {@code timeout}; fails when none came. */
    RawRecord next(Duration timeout) throws Exception;
  }

  /** A typed handler's catch: what it decoded and the delivery it came in. */
  private record Received(StringValue value, Delivery delivery) {}

  @AfterEach
  void closeAll() throws Exception {
    if (raw != null) {
      raw.close();
    }
    if (queue != null) {
      for (String topic : topics) {
        try {
          queue.admin().deleteTopic(topic);
          queue.admin().deleteTopic(DeadLetterPolicy.deadLetterTopic(topic));
        } catch (RuntimeException ignored) {
          // best effort: topics have unique names
        }
      }
      queue.close();
    }
  }

  private MessageQueue queue() {
    if (queue == null) {
      queue = MessageQueue.create(configure(MqConfig.builder()).build());
    }
    return queue;
  }

  private RawClient raw() throws Exception {
    if (raw == null) {
      raw = rawClient();
    }
    return raw;
  }

  private String newTopic(String name) {
    String topic = "foreign-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    topics.add(topic);
    return topic;
  }

  /**
   * Subscribes a typed StringValue handler and waits until a message sent now reaches it, so that a
   * plain client's publish (which no broker returns when nobody listens) is not lost to a race.
   */
  private List<Received> typedSubscriber(String topic) {
    List<Received> received = new CopyOnWriteArrayList<>();
    Subscriber subscriber =
        queue()
            .subscribe(
                Subscription.to(topic)
                    .group("g-" + topic)
                    .handler(
                        codec.handler(
                            StringValue.class, (v, d) -> received.add(new Received(v, d))))
                    .build());
    awaitListening(topic, received);
    return received;
  }

  private void awaitListening(String topic, List<Received> received) {
    codec.producer(queue().createProducer()).sendAndWait(topic, "probe", StringValue.of("probe"));
    await().atMost(WAIT).until(() -> !received.isEmpty());
    received.clear();
  }

  private static StringValue parse(byte[] bytes) throws InvalidProtocolBufferException {
    return StringValue.parseFrom(bytes);
  }

  @Test
  @DisplayName("hands bare protobuf bytes with a key, and no headers, to the typed handler")
  void bareBytesToTypedHandler() throws Exception {
    String topic = newTopic("bare");
    List<Received> received = typedSubscriber(topic);

    raw().publishBare(topic, "order-7", StringValue.of("from a plain client").toByteArray());

    await().atMost(WAIT).until(() -> received.size() == 1);
    Received got = received.get(0);
    assertThat(got.value().getValue()).isEqualTo("from a plain client");
    assertThat(got.delivery().key()).contains("order-7");
    assertThat(got.delivery().id()).isNotBlank();
    assertThat(got.delivery().attempt()).isEqualTo(1);
  }

  @Test
  @DisplayName(
      "dead-letters bare bytes on a topic of several types, with a reason that says none was named")
  void bareBytesToSeveralTypes() throws Exception {
    String topic = newTopic("several");
    List<Object> handled = new CopyOnWriteArrayList<>();
    List<Delivery> deadLetters = new CopyOnWriteArrayList<>();
    queue()
        .subscribe(
            Subscription.to(topic)
                .group("g-" + topic)
                .handler(
                    codec
                        .dispatcher()
                        .on(StringValue.class, (StringValue v, Delivery d) -> handled.add(v))
                        .on(Int64Value.class, (Int64Value v, Delivery d) -> handled.add(v))
                        .build())
                .build());
    queue()
        .subscribe(
            Subscription.to(DeadLetterPolicy.deadLetterTopic(topic))
                .group("audit-" + topic)
                .handler(deadLetters::add)
                .build());
    codec.producer(queue().createProducer()).sendAndWait(topic, "probe", Int64Value.of(1));
    await().atMost(WAIT).until(() -> handled.size() == 1);

    raw().publishBare(topic, "order-8", StringValue.of("which type am I").toByteArray());

    await().atMost(WAIT).until(() -> deadLetters.size() == 1);
    Delivery dead = deadLetters.get(0);
    assertThat(dead.header(Headers.DLQ_REASON).orElseThrow())
        .contains("names no type", "accepts several", "com.google.protobuf.StringValue");
    assertThat(parse(dead.payload()).getValue()).isEqualTo("which type am I");
    assertThat(dead.key()).contains("order-8");
    assertThat(handled).hasSize(1);
  }

  @Test
  @DisplayName("fills id, type, correlation id and publish time from the broker's own fields")
  void standardFields() throws Exception {
    String topic = newTopic("standard");
    List<Object> handled = new CopyOnWriteArrayList<>();
    List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    queue()
        .subscribe(
            Subscription.to(topic)
                .group("g-" + topic)
                .handler(
                    codec
                        .dispatcher()
                        .on(
                            StringValue.class,
                            (StringValue v, Delivery d) -> {
                              handled.add(v);
                              deliveries.add(d);
                            })
                        .on(Int64Value.class, (Int64Value v, Delivery d) -> handled.add(v))
                        .build())
                .build());
    codec.producer(queue().createProducer()).sendAndWait(topic, "probe", Int64Value.of(1));
    await().atMost(WAIT).until(() -> handled.size() == 1);
    Instant sentAt = Instant.ofEpochSecond(1_764_000_000L);

    raw()
        .publishStandard(
            topic,
            "order-9",
            StringValue.of("typed by the broker's fields").toByteArray(),
            new StandardFields(
                "plain-42",
                "google.protobuf.StringValue",
                "application/x-protobuf",
                "corr-42",
                sentAt));

    await().atMost(WAIT).until(() -> deliveries.size() == 1);
    Delivery got = deliveries.get(0);
    assertThat(handled.get(1)).isEqualTo(StringValue.of("typed by the broker's fields"));
    assertThat(got.id()).isEqualTo("plain-42");
    assertThat(got.key()).contains("order-9");
    assertThat(got.header(Headers.TYPE)).contains("google.protobuf.StringValue");
    assertThat(got.header(Headers.CORRELATION_ID)).contains("corr-42");
    assertThat(got.message().timestamp()).isEqualTo(sentAt);
  }

  @Test
  @DisplayName(
      "writes what a plain consumer reads: key, bytes, publish time and type on the broker's"
          + " fields, no id nor time repeated in headers")
  void plainConsumerReadsAgentMq() throws Exception {
    String topic = newTopic("out");
    StringValue value = StringValue.of("for a plain consumer");
    try (RawReader reader = raw().read(topic)) {
      io.agentmq.api.Message sent =
          codec
              .encoder(value)
              .key("order-10")
              .header(Headers.CORRELATION_ID, "corr-10")
              .header("x-origin", "contract")
              .build();
      long before = System.currentTimeMillis();

      queue().createProducer().sendAndWait(topic, sent);

      RawRecord got = reader.next(WAIT);
      assertThat(parse(got.payload())).isEqualTo(value);
      assertThat(got.key()).isEqualTo("order-10");
      assertThat(got.type()).isEqualTo("google.protobuf.StringValue");
      assertThat(got.correlationId()).isEqualTo("corr-10");
      assertThat(got.timestampMillis()).isBetween(before / 1000 * 1000, System.currentTimeMillis());
      assertThat(got.headers())
          .containsEntry("x-origin", "contract")
          .doesNotContainKeys(Headers.TIMESTAMP, "mq-key", "mq-publish-id");
    }
  }

  @Test
  @DisplayName("reads a message as the previous version wrote it: id, key, time, type, headers")
  void previousFormat() throws Exception {
    String topic = newTopic("previous");
    List<Received> received = typedSubscriber(topic);

    raw().publishPreviousFormat(topic);

    await().atMost(WAIT).until(() -> received.size() == 1);
    Received got = received.get(0);
    assertThat(got.value()).isEqualTo(PREVIOUS_PAYLOAD);
    assertThat(got.delivery().id()).isEqualTo(PREVIOUS_ID);
    assertThat(got.delivery().key()).contains(PREVIOUS_KEY);
    assertThat(got.delivery().message().timestampMillis()).isEqualTo(PREVIOUS_TIMESTAMP_MILLIS);
    assertThat(got.delivery().message().headers())
        .containsEntry(Headers.TYPE, "google.protobuf.StringValue")
        .containsEntry(Headers.CORRELATION_ID, PREVIOUS_CORRELATION_ID)
        .containsEntry("x-origin", "recorded")
        .doesNotContainKeys(Headers.ID, Headers.TIMESTAMP, "mq-key", "mq-publish-id");
  }
}
