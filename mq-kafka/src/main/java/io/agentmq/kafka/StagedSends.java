package io.agentmq.kafka;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.Producer;
import io.agentmq.spi.SendChecks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The producer an exactly-once handler gets. Sends are checked and accepted at once (partition and
 * offset {@code -1}: they are assigned when the transaction commits), held until the delivery is
 * acknowledged, then written into the partition's Kafka transaction; discarded if the delivery is
 * retried or dead-lettered.
 */
final class StagedSends implements Producer {
  private record Staged(String topic, Message message) {}

  private final int maxMessageBytes;
  private final List<Staged> staged = new ArrayList<>();

  StagedSends(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public synchronized CompletableFuture<DeliveryReport> send(String topic, Message message) {
    SendChecks.check(topic, message, maxMessageBytes);
    staged.add(new Staged(topic, message));
    return CompletableFuture.completedFuture(new DeliveryReport(topic, message.id(), -1, -1));
  }

  /** Hands every staged message to {@code sink} (topic, message), then forgets them. */
  synchronized void writeTo(BiConsumer<String, Message> sink) {
    for (Staged s : staged) {
      sink.accept(s.topic(), s.message());
    }
    staged.clear();
  }

  synchronized void discard() {
    staged.clear();
  }

  /** Nothing to wait for: the sends are written when the delivery is acknowledged. */
  @Override
  public void flush() {}

  /** Owned by the consumer. */
  @Override
  public void close() {}
}
