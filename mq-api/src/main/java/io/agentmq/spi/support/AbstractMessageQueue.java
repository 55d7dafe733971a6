package io.agentmq.spi.support;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Health;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingObserver;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.MessagingObservers;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The skeleton every backend's {@link MessageQueue} shares: the registries of the producers and
 * subscribers it made, the open check, the close order (subscribers drain, then producers flush,
 * then the backend's own resources) and health (the broker's check plus every subscriber's). A
 * backend supplies what is specific to its broker: its {@link ProducerHandle.Sender}, how a
 * subscriber starts, the broker check and what to release.
 */
public abstract class AbstractMessageQueue implements MessageQueue {
  private final String backend;
  private final MqConfig config;
  private final List<ProducerHandle> producers = new CopyOnWriteArrayList<>();
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private final MessagingObservers observers = new MessagingObservers();
  private final AtomicBoolean closed = new AtomicBoolean();

  protected AbstractMessageQueue(String backend, MqConfig config) {
    this.backend = backend;
    this.config = config;
  }

  /** The backend's send path, shared by every producer of this queue. */
  protected abstract ProducerHandle.Sender sender();

  /**
   * Starts a subscriber; it calls {@code onClose} with itself when closed, to leave the registry.
   * Returns once it runs (it may still be joining its group: see {@link #started}).
   */
  protected abstract Subscriber openSubscriber(
      ConsumerSettings settings, Consumer<Subscriber> onClose);

  /** Called once the subscriber is registered, e.g. to wait for its first assignment. */
  protected void started(Subscriber subscriber) {}

  /**
   * Checks the broker for {@link #health()}: adds what it found to {@code details} and returns
   * whether it is reachable (with a {@code reason} in the details when not). Called while open.
   */
  protected abstract boolean checkBroker(Map<String, Object> details);

  /** Releases the backend's own resources; producers and subscribers are closed already. */
  protected abstract void closeBackend();

  @Override
  public final String backend() {
    return backend;
  }

  @Override
  public final MqConfig config() {
    return config;
  }

  @Override
  public final Producer createProducer() {
    ensureOpen();
    ProducerHandle producer = ProducerHandle.owned(observed(sender()), producers::remove);
    producers.add(producer);
    return config
        .encryption()
        .<Producer>map(e -> new SealingProducer(producer, e))
        .orElse(producer);
  }

  @Override
  public final Subscriber subscribe(Subscription subscription) {
    ensureOpen();
    Subscriber subscriber =
        openSubscriber(ConsumerSettings.of(subscription, config, observers), subscribers::remove);
    subscribers.add(subscriber);
    started(subscriber);
    if (!observers.isEmpty()) {
      observers.subscribed(subscriber);
    }
    return subscriber;
  }

  @Override
  public final MessagingObserver.Registration observe(MessagingObserver observer) {
    return observers.add(observer);
  }

  @Override
  public final List<Subscriber> subscribers() {
    return List.copyOf(subscribers);
  }

  /**
   * {@code sender} telling this queue's observers of each send and its result: what a backend's
   * handler producer sends through ({@link #createProducer()} does it for the producers it makes).
   */
  protected final ProducerHandle.Sender observed(ProducerHandle.Sender sender) {
    return new ObservedSender(sender, observers);
  }

  /** UP while open, the broker answers and every subscriber is UP. */
  @Override
  public final Health health() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("backend", backend);
    boolean up = !closed.get();
    if (!up) {
      details.put("reason", "closed");
    } else {
      up = checkBroker(details);
    }
    return QueueHealth.of(details, up, subscribers);
  }

  /** Subscribers first (draining their handlers), then producers (flushing), then the backend. */
  @Override
  public final void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    subscribers.forEach(Subscriber::close);
    producers.forEach(ProducerHandle::close);
    closeBackend();
  }

  /**
   * @throws IllegalStateException once closed
   */
  protected final void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("this MessageQueue is closed");
    }
  }

  /** A sender that times each send for the observers; with none, it only passes the send on. */
  private record ObservedSender(ProducerHandle.Sender sender, MessagingObservers observers)
      implements ProducerHandle.Sender {
    @Override
    public CompletableFuture<DeliveryReport> send(String topic, Message message) {
      if (observers.isEmpty()) {
        return sender.send(topic, message);
      }
      return observers.publish(topic, message, m -> sender.send(topic, m));
    }

    @Override
    public void flush() {
      sender.flush();
    }
  }
}
