package io.agentmq.spi.support;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.Producer;
import io.agentmq.api.crypto.PayloadEncryption;
import java.util.concurrent.CompletableFuture;

/**
 * A producer that encrypts each payload ({@link PayloadEncryption#seal}) before handing the message
 * to the producer it wraps, which checks and sends it: the size limit counts the encrypted message.
 * Thread-safe as the wrapped producer is.
 */
final class SealingProducer implements Producer {
  private final Producer delegate;
  private final PayloadEncryption encryption;

  SealingProducer(Producer delegate, PayloadEncryption encryption) {
    this.delegate = delegate;
    this.encryption = encryption;
  }

  @Override
  public CompletableFuture<DeliveryReport> send(String topic, Message message) {
    return delegate.send(topic, message == null ? null : encryption.seal(message));
  }

  @Override
  public void flush() {
    delegate.flush();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
