package io.agentmq.amqp;

import com.rabbitmq.client.AMQP;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Maps AgentMQ messages to RabbitMQ's own fields and back: id to {@code message-id}, publish time
 * to {@code timestamp} (whole seconds), type to {@code type}, content type to {@code content-type},
 * correlation id to {@code correlation-id}, the key to the routing key (the topic's queues bind
 * {@code #}, so it never changes where a message goes); everything else to string headers. Reads
 * the previous format ({@code mq-id}, {@code mq-timestamp}, {@code mq-key} headers) and messages of
 * other clients (no headers at all) too.
 */
final class AmqpCodec {
  /** The key of a message whose key does not fit a routing key (255 bytes of UTF-8). */
  static final String KEY_HEADER = "mq-key";

  /** The longest routing key AMQP allows, in bytes. */
  private static final int MAX_ROUTING_KEY_BYTES = 255;

  /** Envelope fields on AMQP properties: not repeated in the headers table. */
  private static final Set<String> ON_PROPERTIES =
      Set.of(Headers.TYPE, Headers.CONTENT_TYPE, Headers.CORRELATION_ID);

  /**
   * Headers RabbitMQ itself adds, and the envelope headers of the previous format (read into the
   * message's fields): not part of the message's headers.
   */
  private static final Set<String> NOT_HEADERS =
      Set.of(
          "x-delivery-count",
          "x-death",
          "x-first-death-exchange",
          "x-first-death-queue",
          "x-first-death-reason",
          "x-last-death-exchange",
          "x-last-death-queue",
          "x-last-death-reason",
          "x-received-from",
          "mq-publish-id",
          Headers.ID,
          Headers.TIMESTAMP,
          KEY_HEADER);

  private AmqpCodec() {}

  /** The routing key a message is published with: its key, when it fits. */
  static String routingKey(Message message) {
    String key = message.key().orElse(null);
    return key != null && fitsRoutingKey(key) ? key : "";
  }

  private static boolean fitsRoutingKey(String key) {
    return key.length() <= MAX_ROUTING_KEY_BYTES / 3
        || key.getBytes(StandardCharsets.UTF_8).length <= MAX_ROUTING_KEY_BYTES;
  }

  /** The properties a message is published with: persistent, with its envelope on AMQP's fields. */
  static AMQP.BasicProperties toProperties(Message message) {
    return toProperties(message, false);
  }

  /**
   * As {@link #toProperties(Message)}; with {@code keyInHeader} the key travels in {@value
   * #KEY_HEADER} whatever its length (the routing key says something else).
   */
  static AMQP.BasicProperties toProperties(Message message, boolean keyInHeader) {
    Map<String, String> own = message.headers();
    Map<String, Object> headers = null;
    for (Map.Entry<String, String> h : own.entrySet()) {
      if (!ON_PROPERTIES.contains(h.getKey())) {
        if (headers == null) {
          headers = new HashMap<>();
        }
        headers.put(h.getKey(), h.getValue());
      }
    }
    String key = message.key().orElse(null);
    if (key != null && (keyInHeader || !fitsRoutingKey(key))) {
      if (headers == null) {
        headers = new HashMap<>();
      }
      headers.put(KEY_HEADER, key);
    }
    return new AMQP.BasicProperties.Builder()
        .messageId(message.id())
        .timestamp(new Date(message.timestampMillis()))
        .type(own.get(Headers.TYPE))
        .contentType(own.get(Headers.CONTENT_TYPE))
        .correlationId(own.get(Headers.CORRELATION_ID))
        .deliveryMode(2)
        .headers(headers)
        .build();
  }

  /**
   * The message a delivery holds. One without {@code message-id} (nor the previous format's {@code
   * mq-id}) is named {@code queue-deliveryTag}, which a redelivery does not keep.
   */
  static Message fromDelivery(
      AMQP.BasicProperties props, byte[] body, long tag, String queue, String routingKey) {
    Message.Builder message = Message.builder(body == null ? new byte[0] : body);
    String id = props.getMessageId();
    long timestamp = props.getTimestamp() == null ? 0 : props.getTimestamp().getTime();
    String key = routingKey == null || routingKey.isEmpty() ? null : routingKey;
    if (props.getType() != null) {
      message.header(Headers.TYPE, props.getType());
    }
    if (props.getContentType() != null) {
      message.header(Headers.CONTENT_TYPE, props.getContentType());
    }
    if (props.getCorrelationId() != null) {
      message.header(Headers.CORRELATION_ID, props.getCorrelationId());
    }
    Map<String, Object> headers = props.getHeaders();
    if (headers != null) {
      for (Map.Entry<String, Object> h : headers.entrySet()) {
        String value = h.getValue() == null ? "" : h.getValue().toString();
        switch (h.getKey()) {
          case Headers.ID -> id = id == null ? value : id;
          case Headers.TIMESTAMP -> {
            try {
              timestamp = Long.parseLong(value); // the previous format's milliseconds
            } catch (NumberFormatException e) {
              message.header(h.getKey(), value);
            }
          }
          case KEY_HEADER -> key = value;
          default -> {
            if (!NOT_HEADERS.contains(h.getKey())) {
              message.header(h.getKey(), value);
            }
          }
        }
      }
    }
    if (id == null || id.isBlank()) {
      id = queue + "-" + tag;
    }
    return message.id(id).key(key).timestamp(Instant.ofEpochMilli(Math.max(0, timestamp))).build();
  }
}
