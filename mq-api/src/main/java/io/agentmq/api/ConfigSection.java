package io.agentmq.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Typed, validated reads of a group of settings, e.g. the {@code kafka.*} keys a backend owns.
 *
 * <p>Every read that finds a bad value records a problem naming the full key, where the value came
 * from, the value (as {@link Redaction} prints it: never a secret) and what is accepted, and
 * returns the default so that all problems are reported together by {@link #throwIfInvalid()}. Not
 * thread-safe; used while a backend's config class is being built.
 */
public final class ConfigSection {
  private final String prefix;
  private final Map<String, Setting> settings;
  private final List<String> problems = new ArrayList<>();

  /** A value and where it came from ({@code file x.yaml}, {@code environment variable X}...). */
  record Setting(String value, String source) {}

  ConfigSection(String prefix, Map<String, Setting> settings) {
    this.prefix = prefix;
    this.settings = settings;
  }

  /** Keys present in this section, without the section prefix. */
  public Set<String> keys() {
    return Collections.unmodifiableSet(new TreeSet<>(settings.keySet()));
  }

  public Optional<String> string(String key) {
    Setting s = settings.get(key);
    return s == null ? Optional.empty() : Optional.of(s.value());
  }

  public String string(String key, String defaultValue) {
    return string(key).orElse(defaultValue);
  }

  /** Where the value of {@code key} came from, e.g. {@code environment variable MQ_MAX_RETRIES}. */
  public String sourceOf(String key) {
    Setting s = settings.get(key);
    return s == null ? "default" : s.source();
  }

  public int integer(String key, int defaultValue, int min, int max) {
    return (int) longValue(key, defaultValue, min, max);
  }

  public long longValue(String key, long defaultValue, long min, long max) {
    Setting s = settings.get(key);
    if (s == null) {
      return defaultValue;
    }
    try {
      long v = Long.parseLong(s.value().trim().replace("_", ""));
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problem(key, s, "an integer from " + min + " to " + max);
    return defaultValue;
  }

  public double decimal(String key, double defaultValue, double min, double max) {
    Setting s = settings.get(key);
    if (s == null) {
      return defaultValue;
    }
    try {
      double v = Double.parseDouble(s.value().trim());
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problem(key, s, "a number from " + min + " to " + max);
    return defaultValue;
  }

  public boolean bool(String key, boolean defaultValue) {
    Setting s = settings.get(key);
    if (s == null) {
      return defaultValue;
    }
    switch (s.value().trim().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        problem(key, s, "true or false");
        return defaultValue;
    }
  }

  /** A duration given in milliseconds, as keys ending in {@code _ms} are. */
  public Duration millis(String key, Duration defaultValue, Duration min, Duration max) {
    long ms = longValue(key, defaultValue.toMillis(), min.toMillis(), max.toMillis());
    return Duration.ofMillis(ms);
  }

  /**
   * One of an enum's constants, written in any case ({@code at_least_once}, {@code AT_LEAST_ONCE}).
   */
  public <E extends Enum<E>> E oneOf(String key, Class<E> type, E defaultValue) {
    Setting s = settings.get(key);
    if (s == null) {
      return defaultValue;
    }
    String wanted = s.value().trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equals(wanted)) {
        return constant;
      }
    }
    problem(
        key,
        s,
        "one of "
            + Arrays.stream(type.getEnumConstants())
                .map(c -> c.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", ")));
    return defaultValue;
  }

  /** Records a problem with a present key: its value is not one of {@code accepted}. */
  public void problem(String key, String accepted) {
    Setting s = settings.get(key);
    if (s != null) {
      problem(key, s, accepted);
    }
  }

  /** Records that every key outside {@code accepted} is unknown, listing the accepted ones. */
  public void rejectUnknownKeys(Set<String> accepted) {
    rejectUnknownKeys(accepted, "");
  }

  /** As {@link #rejectUnknownKeys(Set)}, with a description of further accepted key patterns. */
  public void rejectUnknownKeys(Set<String> accepted, String alsoAccepted) {
    for (String key : new TreeSet<>(settings.keySet())) {
      if (!accepted.contains(key)) {
        problems.add(
            "unknown key '"
                + prefix
                + key
                + "' ("
                + settings.get(key).source()
                + "); accepted keys"
                + (prefix.isEmpty() ? "" : " under '" + prefix + "'")
                + ": "
                + new TreeSet<>(accepted)
                    .stream().map(k -> prefix + k).collect(Collectors.joining(", "))
                + (alsoAccepted.isEmpty() ? "" : ", " + alsoAccepted));
      }
    }
  }

  /** Records a problem in words of the caller's (e.g. a required key that is missing). */
  public void addProblem(String problem) {
    problems.add(problem);
  }

  List<String> problems() {
    return problems;
  }

  /**
   * @throws ConfigException listing every problem found so far, if any
   */
  public void throwIfInvalid() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }

  private void problem(String key, Setting s, String accepted) {
    String full = prefix + key;
    problems.add(
        "'"
            + full
            + "' = "
            + (Redaction.isSecretKey(full) ? "(redacted)" : "'" + Redaction.url(s.value()) + "'")
            + " ("
            + s.source()
            + ") is not accepted; expected "
            + accepted);
  }
}
