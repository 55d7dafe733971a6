package io.agentmq.spi.support;

import io.agentmq.api.InvalidMessageException;
import io.agentmq.api.Message;
import io.agentmq.api.TopicSpec;
import java.util.Map;

/** The checks every backend runs before sending, so that all reject the same input the same way. */
public final class SendChecks {
  private SendChecks() {}

  /**
   * @throws InvalidMessageException when the topic name is invalid or the message is larger than
   *     {@code maxMessageBytes}
   * @throws NullPointerException when {@code message} is null
   */
  public static void check(String topic, Message message, int maxMessageBytes) {
    TopicSpec.requireValidName(topic);
    checkMessage(topic, message, maxMessageBytes);
  }

  /**
   * The checks of {@link #check} but the topic name's, for a backend that validates the name where
   * it looks the topic up (a name found among existing topics is valid).
   */
  public static void checkMessage(String topic, Message message, int maxMessageBytes) {
    if (message == null) {
      throw new NullPointerException("message must not be null");
    }
    if (sizeUpperBound(message) > maxMessageBytes) {
      int size = message.serializedSizeEstimate();
      if (size > maxMessageBytes) {
        throw new InvalidMessageException(
            "message "
                + message.id()
                + " to '"
                + topic
                + "' is "
                + size
                + " bytes (payload "
                + message.payload().length
                + "), more than producer.max_message_bytes = "
                + maxMessageBytes
                + "; send less or raise producer.max_message_bytes (the broker's own limit still"
                + " applies)");
      }
    }
  }

  /** A cheap bound (3 bytes per char) so the exact UTF-8 size is computed only near the limit. */
  private static long sizeUpperBound(Message message) {
    long size =
        message.payload().length + 3L * message.knownId().map(String::length).orElse(36) + 32L;
    if (message.key().isPresent()) {
      size += 3L * message.key().get().length();
    }
    for (Map.Entry<String, String> h : message.headers().entrySet()) {
      size += 3L * (h.getKey().length() + h.getValue().length()) + 8L;
    }
    return size;
  }
}
