package io.agentmq.memory;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.InvalidMessageException;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import io.agentmq.api.Producer;
import io.agentmq.spi.SendChecks;
import java.util.concurrent.CompletableFuture;

/**
 * Sends by appending to the partition log on the caller's thread: the returned future is already
 * complete, so {@link #flush()} has nothing to wait for.
 */
final class MemoryProducer implements Producer {
  private final MemoryBroker broker;
  private final int maxMessageBytes;
  private final boolean closeable;
  private final java.util.function.Consumer<MemoryProducer> onClose;
  private volatile boolean closed;

  /**
   * @param closeable {@code false} for the producer handed to handlers, which the consumer owns
   */
  MemoryProducer(
      MemoryBroker broker,
      MemoryConfig config,
      boolean closeable,
      java.util.function.Consumer<MemoryProducer> onClose) {
    this.broker = broker;
    this.maxMessageBytes = config.common.maxMessageBytes();
    this.closeable = closeable;
    this.onClose = onClose;
  }

  @Override
  public CompletableFuture<DeliveryReport> send(String topic, Message message) {
    if (closed) {
      throw new IllegalStateException(
          "this producer is closed; create another with createProducer()");
    }
    // The topic's name is checked where the broker looks it up: a name it already holds is valid.
    SendChecks.checkMessage(topic, message, maxMessageBytes);
    try {
      return CompletableFuture.completedFuture(broker.publish(topic, message));
    } catch (InvalidMessageException e) {
      throw e; // an invalid topic name: the caller's mistake, reported at once
    } catch (MessagingException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void flush() {
    // Sends complete before send() returns.
  }

  @Override
  public void close() {
    if (closeable && !closed) {
      closed = true;
      onClose.accept(this);
    }
  }
}
