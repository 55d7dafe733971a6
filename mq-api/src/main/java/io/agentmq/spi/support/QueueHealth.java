package io.agentmq.spi.support;

import io.agentmq.api.Health;
import io.agentmq.api.Subscriber;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** How a backend's {@code MessageQueue.health()} combines its own checks with its consumers'. */
public final class QueueHealth {
  private QueueHealth() {}

  /**
   * UP when {@code brokerUp} and every consumer is UP. Details: the backend's own, then {@code
   * consumers}, each consumer's health under {@code <group>#<n>}.
   */
  public static Health of(
      Map<String, Object> details, boolean brokerUp, Collection<? extends Subscriber> consumers) {
    Map<String, Object> all = new LinkedHashMap<>(details);
    Map<String, Object> consumerHealth = new LinkedHashMap<>();
    boolean up = brokerUp;
    int i = 0;
    for (Subscriber consumer : consumers) {
      Health h = consumer.health();
      consumerHealth.put(consumer.group() + "#" + i++, h);
      up &= h.isUp();
    }
    all.put("consumers", consumerHealth);
    return up ? Health.up(all) : Health.down(all);
  }
}
