package io.agentmq.kafka;

import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Maps AgentMQ messages to Kafka records and back; headers are UTF-8 strings. Public for the
 * consumer's package only; not an API of this backend.
 */
public final class KafkaCodec {
  private KafkaCodec() {}

  public static ProducerRecord<byte[], byte[]> toRecord(String topic, Message message) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(Headers.ID, utf8(message.id()));
    headers.add(Headers.TIMESTAMP, utf8(Long.toString(message.timestampMillis())));
    for (Map.Entry<String, String> h : message.headers().entrySet()) {
      headers.add(h.getKey(), utf8(h.getValue()));
    }
    byte[] key = message.key().map(KafkaCodec::utf8).orElse(null);
    return new ProducerRecord<>(
        topic, null, message.timestampMillis(), key, message.payload(), headers);
  }

  /**
   * The message a record holds. A record from another producer has no {@value Headers#ID}: it gets
   * {@code topic-partition-offset}, which is stable across redeliveries.
   */
  public static Message fromRecord(ConsumerRecord<byte[], byte[]> record) {
    Message.Builder message =
        Message.builder(record.value() == null ? new byte[0] : record.value());
    String id = null;
    long timestamp = record.timestamp();
    for (Header h : record.headers()) {
      String value = h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
      if (h.key().equals(Headers.ID)) {
        id = value;
      } else if (h.key().equals(Headers.TIMESTAMP)) {
        try {
          timestamp = Long.parseLong(value);
        } catch (NumberFormatException e) {
          message.header(h.key(), value);
        }
      } else {
        message.header(h.key(), value);
      }
    }
    if (id == null || id.isBlank()) {
      id = record.topic() + "-" + record.partition() + "-" + record.offset();
    }
    if (record.key() != null) {
      message.key(new String(record.key(), StandardCharsets.UTF_8));
    }
    return message.id(id).timestamp(java.time.Instant.ofEpochMilli(Math.max(0, timestamp))).build();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
