package io.agentmq.agents.coding;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.api.ConfigSection;
import io.agentmq.api.MqConfig;
import io.agentmq.spi.MessageQueueProvider;
import io.agentmq.spi.MessageQueueProviders;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The secret values of the agent's configuration and environment, and text with them masked: what a
 * build printed is published on the bus, and a build can read the agent's configuration file or its
 * process environment. A value is secret when its key or variable name, in any case, holds {@code
 * password}, {@code passwd}, {@code pwd}, {@code secret}, {@code token}, {@code credential}, {@code
 * jaas}, {@code sasl}, {@code private}, {@code userinfo} or {@code key}; the password of any URL
 * with user-info is secret whatever its key. Values shorter than {@value #SHORTEST} characters, and
 * {@code true} / {@code false}, are left alone: masking them would mask ordinary words and protect
 * nothing. Immutable, thread safe.
 */
final class SecretValues {
  /** What a secret is replaced with. */
  static final String MASK = "****";

  /** The shortest value treated as a secret. */
  static final int SHORTEST = 4;

  // Wider than what the configuration hides when it prints a value: a masked word too many in a
  // build log costs little.
  private static final Pattern SECRET_NAME =
      Pattern.compile(
          ".*(password|passwd|pwd|secret|token|credential|jaas|sasl|private|userinfo|key).*");

  private static final String URL_SEPARATOR = "://";

  /** Longest first, so that a secret holding another is masked whole. */
  private final List<String> values;

  private SecretValues(List<String> values) {
    this.values = values;
  }

  /**
   * The secrets of {@code config} (the pipeline's section and each installed backend's) and of
   * {@code environment} (the agent's own, usually {@code System.getenv()}).
   */
  static SecretValues of(MqConfig config, Map<String, String> environment) {
    List<String> sections = new ArrayList<>();
    sections.add(AgentsConfig.SECTION);
    for (MessageQueueProvider provider : MessageQueueProviders.installed().values()) {
      sections.add(provider.configSection());
    }
    Map<String, String> named = new LinkedHashMap<>();
    for (String name : sections) {
      ConfigSection section = config.section(name);
      for (String key : section.keys()) {
        section.string(key).ifPresent(value -> named.put(name + "." + key, value));
      }
    }
    named.putAll(environment);
    // The shell's working directories, not passwords, however their names read.
    named.remove("PWD");
    named.remove("OLDPWD");
    return of(named);
  }

  /** The secrets among {@code named}: values by their key or variable name. */
  static SecretValues of(Map<String, String> named) {
    TreeSet<String> found = new TreeSet<>();
    named.forEach(
        (name, value) -> {
          if (value == null) {
            return;
          }
          if (SECRET_NAME.matcher(name.toLowerCase(Locale.ROOT)).matches()) {
            found.add(value.strip());
          }
          found.addAll(urlPasswords(value));
        });
    found.removeIf(
        v -> v.length() < SHORTEST || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false"));
    List<String> values = new ArrayList<>(found);
    values.sort(Comparator.comparingInt(String::length).reversed());
    return new SecretValues(List.copyOf(values));
  }

  /**
   * The password of each URL in {@code value} that has one (as written, and percent-decoded), and
   * its {@code user:password}. The user-info ends at the last {@code @} before the next URL, so a
   * password holding {@code @} or {@code /} is found whole.
   */
  private static List<String> urlPasswords(String value) {
    List<String> found = new ArrayList<>();
    int url = value.indexOf(URL_SEPARATOR);
    while (url >= 0) {
      int next = value.indexOf(URL_SEPARATOR, url + URL_SEPARATOR.length());
      String rest =
          value.substring(url + URL_SEPARATOR.length(), next < 0 ? value.length() : next)
              .split("\\s", 2)[0];
      url = next;
      int at = rest.lastIndexOf('@');
      int colon = at < 0 ? -1 : rest.substring(0, at).indexOf(':');
      if (colon < 0) {
        continue;
      }
      String password = rest.substring(colon + 1, at);
      found.add(rest.substring(0, at));
      found.add(password);
      try {
        found.add(URLDecoder.decode(password, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        // not percent-encoded: found as written
      }
    }
    return found;
  }

  /**
   * {@code text} with every secret replaced by {@value #MASK}, and the password of every URL in it
   * too, known or not.
   */
  String mask(String text) {
    String masked = text;
    for (String value : values) {
      masked = masked.replace(value, MASK);
    }
    return maskUrlPasswords(masked);
  }

  /**
   * {@code text} with {@code ://user:password@} made {@code ://user:****@}, in one pass: a build
   * log can hold megabytes without a space, where a regular expression would backtrack.
   */
  private static String maskUrlPasswords(String text) {
    StringBuilder out = new StringBuilder(text.length());
    int copied = 0;
    int url = text.indexOf(URL_SEPARATOR);
    while (url >= 0) {
      int at = url + URL_SEPARATOR.length();
      while (at < text.length() && !ends(text.charAt(at)) && text.charAt(at) != ':') {
        at++; // the user name
      }
      if (at < text.length() && text.charAt(at) == ':') {
        int password = at + 1;
        int end = password;
        while (end < text.length()
            && !Character.isWhitespace(text.charAt(end))
            && text.charAt(end) != '@') {
          end++;
        }
        if (end < text.length() && text.charAt(end) == '@') {
          out.append(text, copied, password).append(MASK);
          copied = end;
          at = end;
        }
      }
      url = text.indexOf(URL_SEPARATOR, at);
    }
    return out.append(text, copied, text.length()).toString();
  }

  /** Whether {@code c} ends a URL's user name. */
  private static boolean ends(char c) {
    return Character.isWhitespace(c) || c == '/' || c == '@';
  }

  /** The length of the longest secret; 0 when there is none. */
  int longest() {
    return values.isEmpty() ? 0 : values.get(0).length();
  }

  /** How many, never which. */
  @Override
  public String toString() {
    return "SecretValues(" + values.size() + " values)";
  }
}
