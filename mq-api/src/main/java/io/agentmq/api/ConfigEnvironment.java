package io.agentmq.api;

import io.agentmq.api.ConfigSection.Setting;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Maps environment variables to configuration keys: a declared alias ({@code
 * KAFKA_BOOTSTRAP_SERVERS} to {@code kafka.bootstrap_servers}) wins; otherwise {@code
 * MQ_<SECTION>_<KEY>} is {@code <section>.<key>}, lower case, where {@code <SECTION>} is the
 * longest known section the name starts with and a double underscore stands for a dot ({@code
 * MQ_MYAPP_HTTP__PORT} is {@code myapp.http.port}); {@code MQ_<KEY>} with no known section is the
 * top-level {@code <key>} ({@code MQ_MAX_RETRIES} is {@code max_retries}).
 */
final class ConfigEnvironment {
  static final String PREFIX = "MQ_";

  private ConfigEnvironment() {}

  /**
   * @param aliases variable to full key
   * @param sections every section name a key may start with
   * @param ignored variables that are not keys ({@code MQ_CONFIG})
   */
  static Map<String, Setting> read(
      Map<String, String> environment,
      Map<String, String> aliases,
      Collection<String> sections,
      Collection<String> ignored) {
    Map<String, Setting> out = new LinkedHashMap<>();
    // Sorted, so that the result does not depend on the environment's iteration order.
    new TreeMap<>(environment)
        .forEach(
            (variable, value) -> {
              if (value == null
                  || value.isBlank()
                  || aliases.containsKey(variable)
                  || ignored.contains(variable)
                  || !variable.startsWith(PREFIX)
                  || variable.length() == PREFIX.length()) {
                return;
              }
              out.put(
                  keyOf(variable, sections),
                  new Setting(value, "environment variable " + variable));
            });
    aliases.forEach(
        (variable, key) -> {
          String value = environment.get(variable);
          if (value != null && !value.isBlank()) {
            out.put(key, new Setting(value, "environment variable " + variable));
          }
        });
    return out;
  }

  /** The key {@code MQ_...} stands for. */
  static String keyOf(String variable, Collection<String> sections) {
    String rest = variable.substring(PREFIX.length()).toLowerCase(Locale.ROOT).replace("__", ".");
    String section = "";
    for (String s : sections) {
      if (s.length() > section.length() && rest.startsWith(s + "_")) {
        section = s;
      }
    }
    return section.isEmpty() ? rest : section + "." + rest.substring(section.length() + 1);
  }

  /**
   * The generic variable of a key: {@code retry.initial_backoff_ms} is {@code
   * MQ_RETRY_INITIAL_BACKOFF_MS}, {@code myapp.http.port} is {@code MQ_MYAPP_HTTP__PORT}.
   */
  static String variableOf(String key) {
    int dot = key.indexOf('.');
    String name =
        dot < 0 ? key : key.substring(0, dot) + "_" + key.substring(dot + 1).replace(".", "__");
    return PREFIX + name.toUpperCase(Locale.ROOT);
  }
}
