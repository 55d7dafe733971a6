package io.agentmq.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A topic's settings, as created or as described by the broker.
 *
 * @param name 1 to 249 characters from {@code a-z A-Z 0-9 . _ -}, not {@code .} or {@code ..}
 * @param partitions number of partitions, {@code >= 1}
 * @param replicationFactor copies kept by the broker, {@code >= 1}, or {@link #BROKER_DEFAULT} for
 *     the broker's own default (a described topic always has its actual number)
 * @param retention how long messages are kept; empty for the broker's default
 */
public record TopicSpec(
    String name, int partitions, int replicationFactor, Optional<Duration> retention) {

  /** What a valid topic name is, for error messages. */
  public static final String NAME_RULE =
      "1 to 249 characters from a-z A-Z 0-9 . _ -, and not '.' or '..'";

  /**
   * A replication factor that leaves it to the broker's default (Kafka's
   * default.replication.factor).
   */
  public static final int BROKER_DEFAULT = -1;

  public TopicSpec {
    requireValidName(name);
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "topic '" + name + "': partitions must be >= 1, was " + partitions);
    }
    if (replicationFactor < 1 && replicationFactor != BROKER_DEFAULT) {
      throw new IllegalArgumentException(
          "topic '"
              + name
              + "': replication factor must be >= 1 (or BROKER_DEFAULT), was "
              + replicationFactor);
    }
    Objects.requireNonNull(retention, "retention");
    retention.ifPresent(
        r -> {
          if (r.isNegative() || r.isZero()) {
            throw new IllegalArgumentException(
                "topic '" + name + "': retention must be positive, was " + r);
          }
        });
  }

  /** A topic with the broker's default replication and retention. */
  public static TopicSpec of(String name, int partitions) {
    return new TopicSpec(name, partitions, BROKER_DEFAULT, Optional.empty());
  }

  public TopicSpec withName(String newName) {
    return new TopicSpec(newName, partitions, replicationFactor, retention);
  }

  public static boolean isValidName(String name) {
    if (name == null || name.isEmpty() || name.length() > 249) {
      return false;
    }
    // A loop, not a regex: producers check every send's topic.
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return !name.equals(".") && !name.equals("..");
  }

  /**
   * @throws InvalidMessageException naming the topic and the rule when {@code name} is not valid
   */
  public static String requireValidName(String name) {
    if (!isValidName(name)) {
      throw new InvalidMessageException(
          "invalid topic name "
              + (name == null ? "null" : "'" + name + "'")
              + ": a topic name has "
              + NAME_RULE);
    }
    return name;
  }
}
