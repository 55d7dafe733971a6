package io.agentmq.resilience;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import io.agentmq.api.Producer;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link Producer} that takes a permit of its publish rate limit before each send and passes the
 * send on to the producer it wraps.
 */
final class RateLimitedProducer implements Producer {
  private final Producer delegate;
  private final Permits permits;

  RateLimitedProducer(Producer delegate, Permits permits) {
    this.delegate = delegate;
    this.permits = permits;
  }

  /**
   * Waits for a permit (at most the limit's max wait; the calling thread blocks), then sends. When
   * no permit comes within the max wait, or the thread is interrupted, the returned future fails
   * with a retriable {@link MessagingException} and nothing is sent.
   */
  @Override
  public CompletableFuture<DeliveryReport> send(String topic, Message message) {
    try {
      permits.acquire();
    } catch (MessagingException e) {
      return CompletableFuture.failedFuture(e);
    }
    return delegate.send(topic, message);
  }

  @Override
  public void flush() {
    delegate.flush();
  }

  /** Closes the wrapped producer. Idempotent. */
  @Override
  public void close() {
    delegate.close();
  }
}
