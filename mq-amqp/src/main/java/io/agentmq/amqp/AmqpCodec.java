package io.agentmq.amqp;

import com.rabbitmq.client.AMQP;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import java.time.Instant;
import java.util.Map;

/** Maps RabbitMQ deliveries back to AgentMQ messages. */
final class AmqpCodec {
  /** AMQP has no message key: it travels in this header. */
  static final String KEY_HEADER = "mq-key";

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
          AmqpPublisher.PUBLISH_ID);

  private AmqpCodec() {}

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
