package io.agentmq.api;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Sends messages to topics.
 *
 * <p>Thread-safe: one producer may be shared by any number of threads. Create one with {@link
 * MessageQueue#createProducer()}; the queue closes it when the queue closes.
 */
public interface Producer extends AutoCloseable {

  /**
   * Sends a message asynchronously.
   *
   * <p>The future completes with the broker's {@link DeliveryReport} once the broker has the
   * message durably (as durable as the backend is), or fails with a {@link MessagingException}
   * whose {@link MessagingException#isRetriable()} says whether sending again may work. It always
   * completes within {@code producer.send_timeout_ms}. Callbacks attached to it may run on a
   * backend thread; they must not block. This method may block while the backend is out of buffer
   * space, at most for {@code producer.send_timeout_ms}.
   *
   * @throws InvalidMessageException at once, with nothing sent, when the topic name is invalid or
   *     the message is larger than {@code producer.max_message_bytes}
   * @throws IllegalStateException when the producer is closed
   */
  CompletableFuture<DeliveryReport> send(String topic, Message message);

  /**
   * Sends a message and waits for the broker's report.
   *
   * @throws MessagingException when the send failed or timed out
   */
  default DeliveryReport sendAndWait(String topic, Message message) {
    try {
      return send(topic, message).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof MessagingException cause) {
        throw cause;
      }
      throw MessagingException.retriable(
          "sending message " + message.id() + " to '" + topic + "' failed", e.getCause());
    }
  }

  /** Blocks until every message sent before this call has completed (succeeded or failed). */
  void flush();

  /** Flushes, then releases the producer's resources. Idempotent. */
  @Override
  void close();
}
