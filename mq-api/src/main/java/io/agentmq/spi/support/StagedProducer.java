package io.agentmq.spi.support;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.Producer;
import io.agentmq.api.crypto.PayloadEncryption;
import io.agentmq.spi.Settlement.Output;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The producer an exactly-once handler gets from a backend: sends are checked and accepted at once
 * (the report has partition and offset {@code -1}: they are assigned when the backend publishes),
 * held until the delivery is acknowledged, then handed to the backend's {@link
 * io.agentmq.spi.Settlement#publishOutputs}; if the delivery is retried or dead-lettered they are
 * discarded. The {@link DeliveryEngine} does both. So a retried handler never emits twice. With
 * payload encryption a message is sealed before it is checked and staged. Thread-safe (an async
 * handler may send from any thread).
 */
final class StagedProducer implements Producer {
  private final int maxMessageBytes;
  private final PayloadEncryption encryption;
  private final String deriveIdsFrom;
  private final List<Output> staged = new ArrayList<>();

  /**
   * @param encryption seals each message before it is staged; {@code null} for none
   * @param deriveIdsFrom when not null, the id each staged message gets is {@link #outputId} of
   *     this (the handled message's id) and its position among the sends
   */
  StagedProducer(int maxMessageBytes, PayloadEncryption encryption, String deriveIdsFrom) {
    this.maxMessageBytes = maxMessageBytes;
    this.encryption = encryption;
    this.deriveIdsFrom = deriveIdsFrom;
  }

  /**
   * The id of the {@code index}th send of handling message {@code inputId}: the same on every run
   * of the handler, unique across inputs (a name-based UUID).
   */
  static String outputId(String inputId, int index) {
    return UUID.nameUUIDFromBytes((inputId + "#" + index).getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  @Override
  public synchronized CompletableFuture<DeliveryReport> send(String topic, Message message) {
    if (deriveIdsFrom != null && message != null) {
      message = message.toBuilder().id(outputId(deriveIdsFrom, staged.size())).build();
    }
    Message out = encryption == null || message == null ? message : encryption.seal(message);
    SendChecks.check(topic, out, maxMessageBytes);
    staged.add(new Output(topic, out));
    return CompletableFuture.completedFuture(new DeliveryReport(topic, out.id(), -1, -1));
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
