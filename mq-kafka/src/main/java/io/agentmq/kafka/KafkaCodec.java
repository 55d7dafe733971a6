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
 * Maps AgentMQ messages to Kafka records and back. The key is the record key, the publish time the
 * record timestamp; the id travels as {@value Headers#ID} only when the message has one {@linkplain
 * Message#knownId() known} (else the consumer names the message {@code topic-partition-offset});
 * other headers are UTF-8 strings. Records of the previous format (an {@value Headers#TIMESTAMP}
 * header) and of other producers (no headers) are read too. Public for the consumer's package only;
 * not an API of this backend.
 */
public final class KafkaCodec {
  private KafkaCodec() {}

  /**
   * The record for {@code message}, with {@code id} (the message's known id, or {@code null}) as
   * its only envelope header.
   */
  public static ProducerRecord<byte[], byte[]> toRecord(String topic, Message message, String id) {
    Map<String, String> own = message.headers();
    RecordHeaders headers = null;
    if (id != null || !own.isEmpty()) {
      headers = new RecordHeaders();
      if (id != null) {
        headers.add(Headers.ID, utf8(id));
      }
      for (Map.Entry<String, String> h : own.entrySet()) {
        headers.add(h.getKey(), utf8(h.getValue()));
      }
    }
    byte[] key = message.key().map(KafkaCodec::utf8).orElse(null);
    return new ProducerRecord<>(
        topic, null, message.timestampMillis(), key, message.payload(), headers);
  }

  /** The record for {@code message}, with its id if one is known. */
  public static ProducerRecord<byte[], byte[]> toRecord(String topic, Message message) {
    return toRecord(topic, message, message.knownId().orElse(null));
  }

  /** The id of a message sent without one: where it was stored, as its consumers name it. */
  public static String positionId(String topic, int partition, long offset) {
    return topic + "-" + partition + "-" + offset;
  }

  /**
   * The message a record holds. A record without {@value Headers#ID} gets {@link #positionId},
   * which is stable across redeliveries.
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
      id = positionId(record.topic(), record.partition(), record.offset());
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
