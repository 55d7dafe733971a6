package io.agentmq.memory;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import io.agentmq.api.Producer;
import io.agentmq.spi.SendChecks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The producer an exactly-once handler gets: it holds sends until the delivery is acknowledged,
 * then publishes them; if the delivery fails they are discarded. So a retried handler never emits
 * twice. Each future completes when its message is published or discarded.
 */
final class StagedProducer implements Producer {
  private record Staged(String topic, Message message, CompletableFuture<DeliveryReport> result) {}

  private final MemoryBroker broker;
  private final int maxMessageBytes;
  private final List<Staged> staged = new ArrayList<>();

  StagedProducer(MemoryBroker broker, int maxMessageBytes) {
    this.broker = broker;
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public synchronized CompletableFuture<DeliveryReport> send(String topic, Message message) {
    SendChecks.check(topic, message, maxMessageBytes);
    CompletableFuture<DeliveryReport> result = new CompletableFuture<>();
    staged.add(new Staged(topic, message, result));
    return result;
  }

  /** Publishes what was staged; called when the delivery is acknowledged. */
  synchronized void commit() {
    for (Staged s : staged) {
      s.result.complete(broker.publish(s.topic, s.message));
    }
    staged.clear();
  }

  /** Drops what was staged; called when the delivery failed. */
  synchronized void abort() {
    for (Staged s : staged) {
      s.result.completeExceptionally(
          new MessagingException(
              "not published: the handler of the delivery that sent it failed", true));
    }
    staged.clear();
  }

  /** Sends are published when the handler's delivery is acknowledged, not before. */
  @Override
  public void flush() {}

  /** Owned by the consumer. */
  @Override
  public void close() {}
}
