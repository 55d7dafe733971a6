package io.agentmq.api;

import io.agentmq.api.ConfigSection.Setting;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads {@code topics.<topic>.*}: a topic's partitions, replication factor and retention over
 * {@code topic_defaults.*}, and the groups that must exist before its first message.
 */
final class TopicSettings {
  static final String PREFIX = "topics.";
  static final Set<String> KEYS =
      Set.of("partitions", "replication_factor", "retention_ms", "groups");
  static final String ACCEPTED =
      "topics.<topic>.partitions, topics.<topic>.replication_factor, topics.<topic>.retention_ms,"
          + " topics.<topic>.groups, where <topic> has "
          + TopicSpec.NAME_RULE;

  final Map<String, TopicSpec> specs;
  final Map<String, List<String>> groups;

  /** Problems are added to {@code problems}, reported with the rest of the configuration's. */
  TopicSettings(Map<String, Setting> raw, TopicSpec defaults, ConfigSection problems) {
    Map<String, Map<String, Setting>> byTopic = new TreeMap<>();
    raw.forEach(
        (key, setting) -> {
          String rest = key.substring(PREFIX.length());
          int dot = rest.lastIndexOf('.');
          String name = dot < 0 ? "" : rest.substring(dot + 1);
          String topic = dot < 0 ? rest : rest.substring(0, dot);
          if (!KEYS.contains(name) || !TopicSpec.isValidName(topic)) {
            problems.addProblem(
                "unknown key '" + key + "' (" + setting.source() + "); accepted: " + ACCEPTED);
          } else {
            byTopic.computeIfAbsent(topic, t -> new LinkedHashMap<>()).put(name, setting);
          }
        });
    Map<String, TopicSpec> specs = new TreeMap<>();
    Map<String, List<String>> groups = new TreeMap<>();
    byTopic.forEach(
        (topic, values) -> {
          ConfigSection s = new ConfigSection(PREFIX + topic + ".", values);
          // A topic that only declares groups keeps the defaults and is not created up front.
          if (values.keySet().stream().anyMatch(k -> !k.equals("groups"))) {
            specs.put(topic, spec(topic, s, defaults));
          }
          s.string("groups").map(v -> groupList(v, s)).ifPresent(g -> groups.put(topic, g));
          s.problems().forEach(problems::addProblem);
        });
    this.specs = Collections.unmodifiableMap(specs);
    this.groups = Collections.unmodifiableMap(groups);
  }

  /** Partitions, replication and retention of one topic; a setting not given is the default's. */
  static TopicSpec spec(String topic, ConfigSection s, TopicSpec defaults) {
    int partitions = s.integer("partitions", defaults.partitions(), 1, 100_000);
    int replication = replication(s, "replication_factor", defaults.replicationFactor());
    Optional<Duration> retention =
        s.string("retention_ms").isEmpty()
            ? defaults.retention()
            : Optional.of(
                s.millis(
                    "retention_ms",
                    Duration.ofDays(7),
                    Duration.ofMillis(1),
                    Duration.ofMillis(Long.MAX_VALUE)));
    return new TopicSpec(topic, partitions, replication, retention);
  }

  /** The value of a replication factor setting that means the broker's default. */
  static final String BROKER_DEFAULT = "default";

  /** A replication factor: {@value #BROKER_DEFAULT} or 1 to 32767. */
  static int replication(ConfigSection s, String key, int defaultValue) {
    Optional<String> value = s.string(key).map(String::trim);
    if (value.isEmpty()) {
      return defaultValue;
    }
    if (value.get().equalsIgnoreCase(BROKER_DEFAULT)) {
      return TopicSpec.BROKER_DEFAULT;
    }
    try {
      int n = Integer.parseInt(value.get());
      if (n >= 1 && n <= Short.MAX_VALUE) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    s.problem(
        key, BROKER_DEFAULT + " (the broker's own) or an integer from 1 to " + Short.MAX_VALUE);
    return defaultValue;
  }

  private static List<String> groupList(String value, ConfigSection s) {
    List<String> names =
        Arrays.stream(value.split(",")).map(String::strip).filter(g -> !g.isEmpty()).toList();
    if (names.isEmpty() || !names.stream().allMatch(TopicSpec::isValidName)) {
      s.problem("groups", "a comma-separated list of group names of " + TopicSpec.NAME_RULE);
      return List.of();
    }
    return names;
  }
}
