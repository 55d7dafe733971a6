package io.agentmq.memory;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.InvalidMessageException;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import io.agentmq.spi.support.ProducerHandle;
import io.agentmq.spi.support.SendChecks;
import java.util.concurrent.CompletableFuture;

/**
 * Sends by appending to the partition log on the caller's thread: the returned future is already
 * complete, so {@link #flush()} has nothing to wait for.
 */
final class MemorySender implements ProducerHandle.Sender {
  private final MemoryBroker broker;
  private final int maxMessageBytes;

  MemorySender(MemoryBroker broker, MemoryConfig config) {
    this.broker = broker;
    this.maxMessageBytes = config.common.maxMessageBytes();
  }

  @Override
  public CompletableFuture<DeliveryReport> send(String topic, Message message) {
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
}
