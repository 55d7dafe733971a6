package io.agentmq.api;

import io.agentmq.api.ConfigSection.Setting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
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
 *
 * <p>A secret need not be in the environment itself: {@code <VARIABLE>_FILE} names a file whose
 * content (without its trailing line break) is the value of {@code <VARIABLE>}, for an alias
 * ({@code AMQP_URL_FILE}) or an {@code MQ_} variable of a secret key ({@code
 * MQ_KAFKA_CLIENT__SASL__JAAS__CONFIG_FILE}), as Docker and Kubernetes secrets are mounted. Setting
 * both is refused.
 */
final class ConfigEnvironment {
  static final String PREFIX = "MQ_";
  static final String FILE_SUFFIX = "_FILE";

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
    Map<String, String> fileSources = new TreeMap<>();
    Map<String, String> variables = withFileValues(environment, aliases, sections, fileSources);
    // Sorted, so that the result does not depend on the environment's iteration order.
    new TreeMap<>(variables)
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
                  new Setting(
                      value,
                      fileSources.getOrDefault(variable, "environment variable " + variable)));
            });
    aliases.forEach(
        (variable, key) -> {
          String value = variables.get(variable);
          if (value != null && !value.isBlank()) {
            out.put(
                key,
                new Setting(
                    value, fileSources.getOrDefault(variable, "environment variable " + variable)));
          }
        });
    return out;
  }

  /**
   * {@code environment} with each {@code <VARIABLE>_FILE} of an alias or of a secret key's {@code
   * MQ_} variable replaced by {@code <VARIABLE>} and the file's content.
   *
   * @throws ConfigException naming the variables and the path (never the content) when a file
   *     cannot be read or a variable is set both ways
   */
  private static Map<String, String> withFileValues(
      Map<String, String> environment,
      Map<String, String> aliases,
      Collection<String> sections,
      Map<String, String> fileSources) {
    Map<String, String> out = new TreeMap<>(environment);
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
      String fileVariable = e.getKey();
      if (!fileVariable.endsWith(FILE_SUFFIX) || e.getValue() == null || e.getValue().isBlank()) {
        continue;
      }
      String variable = fileVariable.substring(0, fileVariable.length() - FILE_SUFFIX.length());
      boolean secretMq =
          variable.startsWith(PREFIX)
              && variable.length() > PREFIX.length()
              && Redaction.isSecretKey(keyOf(variable, sections));
      if (!aliases.containsKey(variable) && !secretMq) {
        continue; // an ordinary key that ends in _file, such as amqp.tls.ca_file
      }
      String set = environment.get(variable);
      if (set != null && !set.isBlank()) {
        problems.add("both " + variable + " and " + fileVariable + " are set; set one of them");
        continue;
      }
      Path path = Path.of(e.getValue().trim());
      try {
        String content = Files.readString(path, StandardCharsets.UTF_8);
        out.remove(fileVariable);
        out.put(variable, withoutFinalLineBreak(content));
        fileSources.put(variable, "file " + path + " (environment variable " + fileVariable + ")");
      } catch (IOException | RuntimeException failure) {
        problems.add(
            fileVariable
                + " names "
                + path
                + ", which cannot be read ("
                + failure.getClass().getSimpleName()
                + "); it must name a readable file holding the value of "
                + variable);
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return out;
  }

  private static String withoutFinalLineBreak(String content) {
    if (content.endsWith("\r\n")) {
      return content.substring(0, content.length() - 2);
    }
    return content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
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
