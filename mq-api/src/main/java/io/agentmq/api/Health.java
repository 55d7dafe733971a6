package io.agentmq.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Health of a queue or consumer.
 *
 * @param status UP or DOWN
 * @param details what was checked, by name (strings, numbers, booleans or nested {@code Health})
 */
public record Health(Status status, Map<String, Object> details) {

  public enum Status {
    UP,
    DOWN
  }

  public Health {
    details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  public static Health up(Map<String, Object> details) {
    return new Health(Status.UP, details);
  }

  public static Health down(Map<String, Object> details) {
    return new Health(Status.DOWN, details);
  }

  public boolean isUp() {
    return status == Status.UP;
  }
}
