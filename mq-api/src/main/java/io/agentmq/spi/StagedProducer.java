package io.agentmq.spi;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.Producer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The producer an exactly-once handler gets from a backend: sends are checked and accepted at once
 * (the report has partition and offset {@code -1}: they are assigned when the backend publishes),
 * held until the delivery is acknowledged, then handed to the backend with {@link #writeTo}; if the
 * delivery is retried or dead-lettered they are {@link #discard discarded}. So a retried handler
 * never emits twice. Thread-safe (an async handler may send from any thread).
 */
public final class StagedProducer implements Producer {
  private record Staged(String topic, Message message) {}

  private final int maxMessageBytes;
  private final List<Staged> staged = new ArrayList<>();

  public StagedProducer(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public synchronized CompletableFuture<DeliveryReport> send(String topic, Message message) {
    SendChecks.check(topic, message, maxMessageBytes);
    staged.add(new Staged(topic, message));
    return CompletableFuture.completedFuture(new DeliveryReport(topic, message.id(), -1, -1));
  }

  /**
   * Hands each staged message to {@code sink} (topic, message) in send order. A message is removed
   * once the sink took it, so if the sink throws part-way, calling this again does not repeat the
   * ones already written.
   */
  public synchronized void writeTo(BiConsumer<String, Message> sink) {
    for (Iterator<Staged> it = staged.iterator(); it.hasNext(); ) {
      Staged s = it.next();
      sink.accept(s.topic(), s.message());
      it.remove();
    }
  }

  /** Drops what is staged: the delivery failed or was dead-lettered. */
  public synchronized void discard() {
    staged.clear();
  }

  /** Nothing to wait for: staged sends are written when the delivery is acknowledged. */
  @Override
  public void flush() {}

  /** Owned by the consumer. */
  @Override
  public void close() {}
}
