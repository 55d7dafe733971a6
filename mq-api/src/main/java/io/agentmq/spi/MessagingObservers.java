package io.agentmq.spi;

import io.agentmq.api.Delivery;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingObserver;
import io.agentmq.api.Outcome;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link MessagingObserver}s added to one queue, told as one: each call goes to every observer,
 * one that throws is logged and skipped. {@link #isEmpty()} lets a hot path skip the timing when
 * nobody observes. Thread-safe; observers may be added and removed while messages flow.
 */
public final class MessagingObservers implements MessagingObserver {
  private static final Logger log = LoggerFactory.getLogger(MessagingObservers.class);

  private final CopyOnWriteArrayList<MessagingObserver> observers = new CopyOnWriteArrayList<>();

  /** Adds {@code observer}; closing the registration removes it. */
  public Registration add(MessagingObserver observer) {
    Objects.requireNonNull(observer, "observer");
    observers.add(observer);
    return () -> observers.remove(observer);
  }

  /** Whether no observer is registered (a volatile read). */
  public boolean isEmpty() {
    return observers.isEmpty();
  }

  @Override
  public void delivered(Delivery delivery) {
    for (MessagingObserver o : observers) {
      try {
        o.delivered(delivery);
      } catch (RuntimeException e) {
        failed(o, "delivered", e);
      }
    }
  }

  @Override
  public void settled(
      Delivery delivery, Outcome outcome, Optional<Throwable> failure, long handlerNanos) {
    for (MessagingObserver o : observers) {
      try {
        o.settled(delivery, outcome, failure, handlerNanos);
      } catch (RuntimeException e) {
        failed(o, "settled", e);
      }
    }
  }

  @Override
  public void published(String topic, Message message, long nanos) {
    for (MessagingObserver o : observers) {
      try {
        o.published(topic, message, nanos);
      } catch (RuntimeException e) {
        failed(o, "published", e);
      }
    }
  }

  @Override
  public void publishFailed(String topic, Message message, Throwable failure, long nanos) {
    for (MessagingObserver o : observers) {
      try {
        o.publishFailed(topic, message, failure, nanos);
      } catch (RuntimeException e) {
        failed(o, "publishFailed", e);
      }
    }
  }

  private static void failed(MessagingObserver observer, String event, RuntimeException e) {
    log.warn("The messaging observer {} failed on {}: {}", observer, event, e.toString());
  }
}
