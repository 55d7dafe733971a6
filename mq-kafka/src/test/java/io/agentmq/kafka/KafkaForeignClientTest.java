package io.agentmq.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.serialization.ForeignClientContract;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The wire contract with plain {@code kafka-clients} producers and consumers, and the exact record
 * AgentMQ writes: key, timestamp, payload, and headers only for what Kafka has no field for.
 */
@DisplayName("kafka: clients that are not AgentMQ")
class KafkaForeignClientTest extends ForeignClientContract {

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return KafkaTestBroker.configure(builder);
  }

  @Override
  protected RawClient rawClient() {
    return new PlainKafka();
  }

  /**
   * The headers 0.1.0's KafkaCodec wrote for the {@code PREVIOUS_*} message, in its order: id and
   * timestamp first, then the message's own headers.
   */
  static List<Header> previousHeaders() {
    return List.of(
        header(Headers.ID, PREVIOUS_ID),
        header(Headers.TIMESTAMP, Long.toString(PREVIOUS_TIMESTAMP_MILLIS)),
        header(Headers.TYPE, "google.protobuf.StringValue"),
        header(Headers.CONTENT_TYPE, "application/x-protobuf"),
        header(Headers.CORRELATION_ID, PREVIOUS_CORRELATION_ID),
        header("x-origin", "recorded"));
  }

  private static Header header(String name, String value) {
    return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName(
      "sends no id header for a message whose id nobody asked for, and reports the id its"
          + " consumers will see (topic-partition-offset)")
  void idFromPosition() throws Exception {
    String topic = "foreign-ids-" + UUID.randomUUID().toString().substring(0, 8);
    try (PlainKafka plain = new PlainKafka();
        PlainKafka.Reader reader = plain.read(topic);
        MessageQueue queue = MessageQueue.create(configure(MqConfig.builder()).build())) {
      var report = queue.createProducer().sendAndWait(topic, Message.of("k", new byte[] {1}));
      Message given = Message.builder(new byte[] {2}).id("order-1").key("k").build();
      queue.createProducer().sendAndWait(topic, given);

      ConsumerRecord<byte[], byte[]> first = reader.nextRecord(Duration.ofSeconds(30));
      ConsumerRecord<byte[], byte[]> second = reader.nextRecord(Duration.ofSeconds(30));
      assertThat(first.headers().toArray()).isEmpty();
      assertThat(report.messageId())
          .isEqualTo(topic + "-" + report.partition() + "-" + report.offset())
          .isEqualTo(KafkaCodec.fromRecord(first).id());
      assertThat(second.headers().toArray()).extracting(Header::key).containsExactly(Headers.ID);
      assertThat(KafkaCodec.fromRecord(second).id()).isEqualTo("order-1");
      assertThat(first.timestamp()).isPositive();
    }
  }

  /** kafka-clients with byte arrays, nothing else. */
  static final class PlainKafka implements RawClient {
    private final KafkaProducer<byte[], byte[]> producer;

    PlainKafka() {
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestBroker.bootstrapServers());
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private void send(ProducerRecord<byte[], byte[]> record) throws Exception {
      producer.send(record).get();
    }

    @Override
    public void publishBare(String topic, String key, byte[] payload) throws Exception {
      send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), payload));
    }

    /** Kafka has no standard fields beyond key and timestamp: the documented headers. */
    @Override
    public void publishStandard(String topic, String key, byte[] payload, StandardFields fields)
        throws Exception {
      List<Header> headers =
          List.of(
              header(Headers.ID, fields.messageId()),
              header(Headers.TYPE, fields.type()),
              header(Headers.CONTENT_TYPE, fields.contentType()),
              header(Headers.CORRELATION_ID, fields.correlationId()));
      send(
          new ProducerRecord<>(
              topic,
              null,
              fields.timestamp().toEpochMilli(),
              key.getBytes(StandardCharsets.UTF_8),
              payload,
              headers));
    }

    @Override
    public void publishPreviousFormat(String topic) throws Exception {
      send(
          new ProducerRecord<>(
              topic,
              null,
              // 0.1.0 set the record timestamp too; the header is what it read back
              PREVIOUS_TIMESTAMP_MILLIS - 5,
              PREVIOUS_KEY.getBytes(StandardCharsets.UTF_8),
              StringValue.of(PREVIOUS_PAYLOAD.getValue()).toByteArray(),
              previousHeaders()));
    }

    @Override
    public Reader read(String topic) {
      return new Reader(topic);
    }

    @Override
    public void close() {
      producer.close();
    }

    /** A consumer that reads the topic from its beginning. */
    static final class Reader implements RawReader {
      private final KafkaConsumer<byte[], byte[]> consumer;
      private final List<ConsumerRecord<byte[], byte[]>> buffered = new ArrayList<>();

      Reader(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestBroker.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "plain-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // the topic may not exist yet: look for it often
        props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "500");
        consumer =
            new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
      }

      ConsumerRecord<byte[], byte[]> nextRecord(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (buffered.isEmpty() && System.nanoTime() < deadline) {
          consumer.poll(Duration.ofMillis(200)).forEach(buffered::add);
        }
        assertThat(buffered).as("a record within %s", timeout).isNotEmpty();
        return buffered.remove(0);
      }

      @Override
      public RawRecord next(Duration timeout) {
        ConsumerRecord<byte[], byte[]> r = nextRecord(timeout);
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : r.headers()) {
          headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
        }
        return new RawRecord(
            r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8),
            r.value(),
            r.timestamp(),
            headers.get(Headers.ID),
            headers.get(Headers.TYPE),
            headers.get(Headers.CORRELATION_ID),
            headers);
      }

      @Override
      public void close() {
        consumer.close();
      }
    }
  }
}
