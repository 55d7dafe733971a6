package io.agentmq.spi.support;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.Producer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The {@link Producer} a backend hands out, over its {@link Sender}: {@link #owned owned} by the
 * user who created it (closing it flushes and unregisters it; sending after that fails) or {@link
 * #borrowed borrowed} by handlers from the queue (closing it does nothing). Thread-safe.
 */
public final class ProducerHandle implements Producer {

  /** What a backend does to send: its one implementation of the publish path. Thread-safe. */
  public interface Sender {
    /**
     * Checks and sends {@code message}; the future completes once the broker stored it.
     *
     * @throws io.agentmq.api.InvalidMessageException for the caller's mistakes, at once
     */
    CompletableFuture<DeliveryReport> send(String topic, Message message);

    /** Waits until everything sent so far is stored or failed. */
    void flush();
  }

  private final Sender sender;
  private final Consumer<ProducerHandle> onClose;
  private volatile boolean closed;

  private ProducerHandle(Sender sender, Consumer<ProducerHandle> onClose) {
    this.sender = Objects.requireNonNull(sender, "sender");
    this.onClose = onClose;
  }

  /** A producer its user closes: {@code onClose} unregisters it from the queue. */
  public static ProducerHandle owned(Sender sender, Consumer<ProducerHandle> onClose) {
    return new ProducerHandle(sender, Objects.requireNonNull(onClose, "onClose"));
  }

  /** A producer the queue owns, handed to handlers: its {@link #close()} does nothing. */
  public static ProducerHandle borrowed(Sender sender) {
    return new ProducerHandle(sender, null);
  }

  @Override
  public CompletableFuture<DeliveryReport> send(String topic, Message message) {
    if (closed) {
      throw new IllegalStateException(
          "this producer is closed; create another with createProducer()");
    }
    return sender.send(topic, message);
  }

  @Override
  public void flush() {
    sender.flush();
  }

  /** Owned: flushes, then stops accepting sends. Borrowed: nothing. Idempotent. */
  @Override
  public void close() {
    if (onClose == null || closed) {
      return;
    }
    closed = true;
    sender.flush();
    onClose.accept(this);
  }
}
