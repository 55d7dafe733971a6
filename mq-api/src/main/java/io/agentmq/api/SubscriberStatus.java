package io.agentmq.api;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a {@link Subscriber} is doing, typed: every backend reports the same fields, and {@link
 * #toHealth()} is the one place they become health details.
 *
 * @param group the consumer group
 * @param topics the subscribed topics
 * @param paused whether {@link Subscriber#pause()} is in effect
 * @param sinceLastActivity time since the subscriber last fetched or was handed a message
 * @param inFlight deliveries handed to the handler and not yet settled
 * @param lag messages of its topics the group has not acknowledged, where the backend knows it
 * @param timeLags per partition (RabbitMQ: per queue) it has handled from, how long the oldest
 *     message it has not handled yet has waited since it was published
 * @param problem why the subscriber is not healthy (closed, a stalled handler, a dead thread);
 *     empty while it is
 * @param details the backend's own facts (e.g. Kafka's assigned partitions), strings, numbers or
 *     lists
 */
public record SubscriberStatus(
    String group,
    List<String> topics,
    boolean paused,
    Duration sinceLastActivity,
    long inFlight,
    OptionalLong lag,
    List<TimeLag> timeLags,
    Optional<String> problem,
    Map<String, Object> details) {

  public SubscriberStatus {
    topics = List.copyOf(topics);
    timeLags = List.copyOf(timeLags);
    details = Map.copyOf(details);
  }

  /**
   * How long the oldest message of one partition (RabbitMQ: one queue) that the subscriber has not
   * handled yet has waited since it was published: while a delivery of it is in a handler, that
   * delivery's age; just after one was handled, how long it had waited; zero once nothing more
   * came. Read from the publish timestamps, so it carries the producer's clock skew (and on
   * RabbitMQ, whose timestamps are whole seconds, up to a second of rounding).
   *
   * @param topic the topic (a retry topic's deliveries count under the topic they came from)
   * @param partition the partition; -1 where the broker has none (RabbitMQ: the group's queue of
   *     the topic)
   */
  public record TimeLag(String topic, int partition, Duration age) {}

  /** The largest {@link #timeLags()} age; zero when there is none. */
  public Duration maxTimeLag() {
    Duration max = Duration.ZERO;
    for (TimeLag t : timeLags) {
      if (t.age().compareTo(max) > 0) {
        max = t.age();
      }
    }
    return max;
  }

  /** Whether the subscriber runs and nothing is wrong with it. */
  public boolean isUp() {
    return problem.isEmpty();
  }

  /**
   * UP unless there is a {@link #problem()}; details {@code group}, {@code topics}, {@code paused},
   * {@code lastActivityAgeMs}, {@code inFlight}, {@code lag} (when known), {@code timeLagMs} (the
   * largest time lag), the backend's details and {@code reason} when DOWN.
   */
  public Health toHealth() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("group", group);
    d.put("topics", topics);
    d.put("paused", paused);
    d.put("lastActivityAgeMs", sinceLastActivity.toMillis());
    d.put("inFlight", inFlight);
    lag.ifPresent(l -> d.put("lag", l));
    d.put("timeLagMs", maxTimeLag().toMillis());
    d.putAll(details);
    problem.ifPresent(p -> d.put("reason", p));
    return problem.isEmpty() ? Health.up(d) : Health.down(d);
  }
}
