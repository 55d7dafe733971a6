package io.agentmq.spi.support;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.Producer;
import io.agentmq.spi.Settlement.Output;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The producer an exactly-once handler gets from a backend: sends are checked and accepted at once
 * (the report has partition and offset {@code -1}: they are assigned when the backend publishes),
 * held until the delivery is acknowledged, then handed to the backend's {@link
 * io.agentmq.spi.Settlement#publishOutputs}; if the delivery is retried or dead-lettered they are
 * discarded. The {@link DeliveryEngine} does both. So a retried handler never emits twice.
 * Thread-safe (an async handler may send from any thread).
 */
final class StagedProducer implements Producer {
  private final int maxMessageBytes;
  private final List<Output> staged = new ArrayList<>();

  StagedProducer(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public synchronized CompletableFuture<DeliveryReport> send(String topic, Message message) {
    SendChecks.check(topic, message, maxMessageBytes);
    staged.add(new Output(topic, message));
    return CompletableFuture.completedFuture(new DeliveryReport(topic, message.id(), -1, -1));
  }

  /** Takes what is staged, in send order: the delivery is being acknowledged. */
  synchronized List<Output> drain() {
    List<Output> out = List.copyOf(staged);
    staged.clear();
    return out;
  }

  /** Drops what is staged: the delivery failed or was dead-lettered. */
  synchronized void discard() {
    staged.clear();
  }

  /** Nothing to wait for: staged sends are written when the delivery is acknowledged. */
  @Override
  public void flush() {}

  /** Owned by the consumer. */
  @Override
  public void close() {}
}
