package io.agentmq.kafka;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.Producer;
import io.agentmq.spi.SendChecks;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * A producer handle over the queue's one {@link KafkaProducer} (which is thread-safe and batches
 * across threads). The future completes in Kafka's I/O thread with partition and offset.
 */
final class KafkaMqProducer implements Producer {
  private final KafkaMessageQueue queue;
  private final KafkaProducer<byte[], byte[]> producer;
  private final int maxMessageBytes;
  private final boolean closeable;
  private final java.util.function.Consumer<KafkaMqProducer> onClose;
  private volatile boolean closed;

  /**
   * @param closeable {@code false} for the producer handed to handlers, which the queue owns
   */
  KafkaMqProducer(
      KafkaMessageQueue queue,
      KafkaProducer<byte[], byte[]> producer,
      int maxMessageBytes,
      boolean closeable,
      java.util.function.Consumer<KafkaMqProducer> onClose) {
    this.queue = queue;
    this.producer = producer;
    this.maxMessageBytes = maxMessageBytes;
    this.closeable = closeable;
    this.onClose = onClose;
  }

  @Override
  public CompletableFuture<DeliveryReport> send(String topic, Message message) {
    if (closed) {
      throw new IllegalStateException(
          "this producer is closed; create another with createProducer()");
    }
    SendChecks.check(topic, message, maxMessageBytes);
    return send(producer, queue, topic, message);
  }

  /** Sends through {@code producer}, creating the topic first if this queue has not seen it. */
  static CompletableFuture<DeliveryReport> send(
      KafkaProducer<byte[], byte[]> producer,
      KafkaMessageQueue queue,
      String topic,
      Message message) {
    CompletableFuture<DeliveryReport> result = new CompletableFuture<>();
    try {
      queue.topics().ensureTopic(topic);
      producer.send(
          Records.toRecord(topic, message),
          (metadata, error) -> {
            if (error != null) {
              result.completeExceptionally(
                  KafkaErrors.of("sending message " + message.id() + " to '" + topic + "'", error));
            } else {
              result.complete(
                  new DeliveryReport(topic, message.id(), metadata.partition(), metadata.offset()));
            }
          });
    } catch (RuntimeException e) {
      result.completeExceptionally(
          KafkaErrors.of("sending message " + message.id() + " to '" + topic + "'", e));
    }
    return result;
  }

  @Override
  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    if (closeable && !closed) {
      closed = true;
      producer.flush();
      onClose.accept(this);
    }
  }
}
