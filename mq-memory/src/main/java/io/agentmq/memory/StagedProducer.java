package io.agentmq.memory;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.Producer;
import io.agentmq.spi.SendChecks;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The producer an exactly-once handler gets: a transaction. Sends are checked and accepted at once
 * (the future completes with partition and offset {@code -1}, as the offset is assigned at commit),
 * held until the delivery is acknowledged, then published; if the delivery fails or is
 * dead-lettered they are discarded. So a retried handler never emits twice.
 */
final class StagedProducer implements Producer {
  private record Staged(String topic, Message message) {}

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
    staged.add(new Staged(topic, message));
    return CompletableFuture.completedFuture(new DeliveryReport(topic, message.id(), -1, -1));
  }

  /**
   * Publishes what was staged; called when the delivery is acknowledged. A message is removed once
   * published, so if a partition stays full part-way, a second commit does not repeat the ones
   * already out (the delivery is then redelivered, and its handler may emit them again).
   */
  synchronized void commit() {
    for (Iterator<Staged> it = staged.iterator(); it.hasNext(); ) {
      Staged s = it.next();
      broker.publish(s.topic, s.message);
      it.remove();
    }
  }

  /** Drops what was staged; called when the delivery failed or is dead-lettered. */
  synchronized void abort() {
    staged.clear();
  }

  /** Nothing to wait for: staged sends are published when the delivery is acknowledged. */
  @Override
  public void flush() {}

  /** Owned by the consumer. */
  @Override
  public void close() {}
}
