package io.agentmq.test;

import io.agentmq.api.Delivery;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingObserver;
import io.agentmq.api.Outcome;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records what a {@link TestBroker}'s queue does: publishes and settlements per topic, handlers
 * running, retries waiting, and a count of events that tells {@code awaitIdle} whether anything
 * happened while it looked.
 */
final class Recorder implements MessagingObserver {

  /** A message whose handler failed and that waits to be delivered again. */
  record WaitingRetry(String topic, String group, String messageId, int failedAttempt) {}

  private final AtomicLong events = new AtomicLong();
  private final Map<String, List<Message>> published = new ConcurrentHashMap<>();
  private final Map<String, List<TestBroker.Settled>> settled = new ConcurrentHashMap<>();
  private final Map<String, Integer> running = new ConcurrentHashMap<>();
  private final Map<String, WaitingRetry> waitingRetries = new ConcurrentHashMap<>();

  @Override
  public void delivered(Delivery delivery) {
    String key = key(delivery);
    waitingRetries.remove(key);
    running.merge(key, 1, Integer::sum);
    events.incrementAndGet();
  }

  @Override
  public void settled(
      Delivery delivery, Outcome outcome, Optional<Throwable> failure, long handlerNanos) {
    String key = key(delivery);
    settled
        .computeIfAbsent(delivery.topic(), t -> new CopyOnWriteArrayList<>())
        .add(
            new TestBroker.Settled(
                delivery.topic(),
                delivery.group(),
                delivery.id(),
                delivery.attempt(),
                outcome,
                failure));
    if (outcome == Outcome.REDELIVERY_SCHEDULED || outcome == Outcome.RETRY_PARKED) {
      waitingRetries.put(
          key,
          new WaitingRetry(delivery.topic(), delivery.group(), delivery.id(), delivery.attempt()));
    } else {
      waitingRetries.remove(key);
    }
    running.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
    events.incrementAndGet();
  }

  @Override
  public void published(String topic, Message message, long nanos) {
    published.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(message);
    events.incrementAndGet();
  }

  @Override
  public void publishFailed(String topic, Message message, Throwable failure, long nanos) {
    events.incrementAndGet();
  }

  long events() {
    return events.get();
  }

  List<Message> published(String topic) {
    return List.copyOf(published.getOrDefault(topic, List.of()));
  }

  List<TestBroker.Settled> settled(String topic) {
    return List.copyOf(settled.getOrDefault(topic, List.of()));
  }

  /** Deliveries handed to a handler and not yet settled. */
  int running() {
    return running.values().stream().mapToInt(Integer::intValue).sum();
  }

  Collection<WaitingRetry> waitingRetries() {
    return List.copyOf(waitingRetries.values());
  }

  private static String key(Delivery delivery) {
    return delivery.group() + '\0' + delivery.id();
  }
}
