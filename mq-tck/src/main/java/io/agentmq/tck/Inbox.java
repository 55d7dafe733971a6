package io.agentmq.tck;

import static org.awaitility.Awaitility.await;

import io.agentmq.api.Delivery;
import io.agentmq.api.MessageHandler;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

/** Collects deliveries for assertions; its {@link #handler()} never fails. */
public final class Inbox {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();

  public MessageHandler handler() {
    return deliveries::add;
  }

  public void add(Delivery delivery) {
    deliveries.add(delivery);
  }

  public List<Delivery> deliveries() {
    return List.copyOf(deliveries);
  }

  public int size() {
    return deliveries.size();
  }

  public List<String> ids() {
    return deliveries.stream().map(Delivery::id).collect(Collectors.toList());
  }

  public Set<String> distinctIds() {
    return deliveries.stream().map(Delivery::id).collect(Collectors.toSet());
  }

  /** How many ids were delivered more than once (counting each extra delivery). */
  public int duplicates() {
    return size() - distinctIds().size();
  }

  public Map<String, Integer> countsById() {
    Map<String, Integer> counts = new HashMap<>();
    deliveries.forEach(d -> counts.merge(d.id(), 1, Integer::sum));
    return counts;
  }

  /** Waits until at least {@code n} deliveries arrived. */
  public Inbox awaitAtLeast(int n) {
    await("" + n + " deliveries").atMost(TIMEOUT).until(() -> deliveries.size() >= n);
    return this;
  }

  /** Waits until every id in {@code ids} has arrived. */
  public Inbox awaitIds(Set<String> ids) {
    await(ids.size() + " distinct ids").atMost(TIMEOUT).until(() -> distinctIds().containsAll(ids));
    return this;
  }
}
