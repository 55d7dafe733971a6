package io.agentmq.spi;

import io.agentmq.api.Delivery;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingObserver;
import io.agentmq.api.Outcome;
import io.agentmq.api.Subscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
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
  public void subscribed(Subscriber subscriber) {
    for (MessagingObserver o : observers) {
      try {
        o.subscribed(subscriber);
      } catch (RuntimeException e) {
        failed(o, "subscribed", e);
      }
    }
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

  /**
   * Each observer's scope, closed in reverse order; one that fails to open or close is skipped.
   * Allocates nothing when at most one observer has a scope of its own.
   */
  @Override
  public Scope handling(Delivery delivery) {
    Scope only = Scope.NONE;
    List<Scope> scopes = null;
    for (MessagingObserver o : observers) {
      Scope scope;
      try {
        scope = o.handling(delivery);
      } catch (RuntimeException e) {
        failed(o, "handling", e);
        continue;
      }
      if (scope == null || scope == Scope.NONE) {
        continue;
      }
      if (only == Scope.NONE) {
        only = scope;
      } else {
        if (scopes == null) {
          scopes = new ArrayList<>();
          scopes.add(only);
        }
        scopes.add(scope);
      }
    }
    if (scopes == null) {
      return only == Scope.NONE ? Scope.NONE : quietly(only);
    }
    List<Scope> all = scopes;
    return () -> {
      for (int i = all.size() - 1; i >= 0; i--) {
        quietly(all.get(i)).close();
      }
    };
  }

  private static Scope quietly(Scope scope) {
    return () -> {
      try {
        scope.close();
      } catch (RuntimeException e) {
        log.warn("A messaging observer's scope failed to close: {}", e.toString());
      }
    };
  }

  /** The message as each observer in turn made it; one that throws leaves it as it was. */
  @Override
  public Message sending(String topic, Message message) {
    Message m = message;
    for (MessagingObserver o : observers) {
      try {
        Message next = o.sending(topic, m);
        if (next != null) {
          m = next;
        }
      } catch (RuntimeException e) {
        failed(o, "sending", e);
      }
    }
    return m;
  }

  /**
   * Sends {@code message} through {@code send} with the observers told: {@link #sending} first,
   * then {@link #published} or {@link #publishFailed} with the time it took. With no observer, only
   * the send.
   */
  public <T> CompletableFuture<T> publish(
      String topic, Message message, Function<Message, CompletableFuture<T>> send) {
    if (observers.isEmpty()) {
      return send.apply(message);
    }
    Message out = sending(topic, message);
    long start = System.nanoTime();
    CompletableFuture<T> sent;
    try {
      sent = send.apply(out);
    } catch (RuntimeException e) {
      publishFailed(topic, out, e, System.nanoTime() - start);
      throw e;
    }
    sent.whenComplete(
        (ignored, failure) -> {
          long nanos = System.nanoTime() - start;
          if (failure == null) {
            published(topic, out, nanos);
          } else {
            publishFailed(
                topic,
                out,
                failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause()
                    : failure,
                nanos);
          }
        });
    return sent;
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
