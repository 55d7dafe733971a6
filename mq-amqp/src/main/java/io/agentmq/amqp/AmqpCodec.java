package io.agentmq.amqp;

import com.rabbitmq.client.AMQP;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;

/** Maps AgentMQ messages to RabbitMQ properties and body, and deliveries back to messages. */
final class AmqpCodec {
  /** AMQP has no message key: it travels in this header. */
  static final String KEY_HEADER = "mq-key";

  /** Identifies one publish, so that a returned message is matched to it (see AmqpPublisher). */
  static final String PUBLISH_ID = "mq-publish-id";

  /** Headers RabbitMQ itself adds; not part of the message as sent. */
  private static final java.util.Set<String> BROKER_HEADERS =
      java.util.Set.of(
          "x-delivery-count",
          "x-death",
          "x-first-death-exchange",
          "x-first-death-queue",
          "x-first-death-reason",
          "x-last-death-exchange",
          "x-last-death-queue",
          "x-last-death-reason",
          "x-received-from",
          PUBLISH_ID);

  private AmqpCodec() {}

  /** The properties a message is published with: persistent, its id, time, key and headers. */
  static AMQP.BasicProperties toProperties(Message message, String publishId) {
    Map<String, Object> headers = new HashMap<>(message.headers());
    headers.put(Headers.ID, message.id());
    headers.put(Headers.TIMESTAMP, Long.toString(message.timestampMillis()));
    headers.put(PUBLISH_ID, publishId);
    message.key().ifPresent(key -> headers.put(KEY_HEADER, key));
    return new AMQP.BasicProperties.Builder()
        .messageId(message.id())
        .timestamp(new Date(message.timestampMillis()))
        .contentType(message.headers().get(Headers.CONTENT_TYPE))
        .deliveryMode(2)
        .headers(headers)
        .build();
  }

  static Message fromDelivery(AMQP.BasicProperties props, byte[] body, long tag, String queue) {
    Message.Builder message = Message.builder(body == null ? new byte[0] : body);
    String id = props.getMessageId();
    long timestamp = props.getTimestamp() == null ? 0 : props.getTimestamp().getTime();
    Map<String, Object> headers = props.getHeaders();
    if (headers != null) {
      for (Map.Entry<String, Object> h : headers.entrySet()) {
        String value = h.getValue() == null ? "" : h.getValue().toString();
        switch (h.getKey()) {
          case Headers.ID -> id = id == null ? value : id;
          case Headers.TIMESTAMP -> {
            try {
              timestamp = Long.parseLong(value);
            } catch (NumberFormatException e) {
              message.header(h.getKey(), value);
            }
          }
          case KEY_HEADER -> message.key(value);
          default -> {
            if (!BROKER_HEADERS.contains(h.getKey())) {
              message.header(h.getKey(), value);
            }
          }
        }
      }
    }
    if (id == null || id.isBlank()) {
      id = queue + "-" + tag;
    }
    return message.id(id).timestamp(Instant.ofEpochMilli(Math.max(0, timestamp))).build();
  }
}
