package io.agentmq.amqp;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.Producer;
import io.agentmq.spi.SendChecks;
import java.util.concurrent.CompletableFuture;

/** A producer handle over the queue's confirming publisher. Thread-safe. */
final class AmqpProducer implements Producer {
  private final AmqpPublisher publisher;
  private final int maxMessageBytes;
  private final boolean closeable;
  private final java.util.function.Consumer<AmqpProducer> onClose;
  private volatile boolean closed;

  /**
   * @param closeable {@code false} for the producer handed to handlers, which the queue owns
   */
  AmqpProducer(
      AmqpPublisher publisher,
      int maxMessageBytes,
      boolean closeable,
      java.util.function.Consumer<AmqpProducer> onClose) {
    this.publisher = publisher;
    this.maxMessageBytes = maxMessageBytes;
    this.closeable = closeable;
    this.onClose = onClose;
  }

  /** The report has no partition or offset (-1): RabbitMQ has none. */
  @Override
  public CompletableFuture<DeliveryReport> send(String topic, Message message) {
    if (closed) {
      throw new IllegalStateException(
          "this producer is closed; create another with createProducer()");
    }
    SendChecks.check(topic, message, maxMessageBytes);
    return publisher.publish(topic, message);
  }

  @Override
  public void flush() {
    publisher.flush();
  }

  @Override
  public void close() {
    if (closeable && !closed) {
      closed = true;
      publisher.flush();
      onClose.accept(this);
    }
  }
}
