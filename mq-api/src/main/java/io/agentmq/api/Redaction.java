package io.agentmq.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The one rule for printing a configuration value: in errors, {@code toString()}, health and
 * command-line output. Thread-safe; stateless.
 *
 * <p>A key is secret when one of its words (split at {@code .}, {@code _} and {@code -}) contains
 * {@code password}, {@code passwd}, {@code secret}, {@code token}, {@code credential} or {@code
 * jaas}, is {@code pwd}, {@code apikey}, {@code privatekey} or {@code userinfo}, or when its last
 * word is {@code key} or {@code keys} ({@code api_key}, {@code ssl.keystore.key}, {@code
 * encryption.keys}); {@code key.serializer} and {@code key_id} are not secret, their {@code key} is
 * not the last word. A secret key's value is never printed.
 *
 * <p>Any other value that holds an {@code @} may carry URL user-info: it is parsed with {@link
 * URI}; a URL with one {@code @}, a host and user-info is printed with its password replaced;
 * otherwise everything between {@code ://} and the last {@code @} is replaced (a password may hold
 * {@code /}, {@code @} or {@code :}), and a value without {@code ://} is replaced whole. Query
 * parameters with secret names ({@code ?password=...}) are replaced too.
 */
public final class Redaction {
  /** What stands in for a hidden value or password. */
  public static final String MASK = "****";

  private static final List<String> SECRET_PARTS =
      List.of("password", "passwd", "secret", "token", "credential", "jaas");
  private static final List<String> SECRET_WORDS = List.of("pwd", "apikey", "privatekey");
  private static final Pattern WORD_SEPARATOR = Pattern.compile("[._\\-]+");

  private Redaction() {}

  /** Whether {@code key} (any prefix, e.g. {@code kafka.client.ssl.key.password}) is secret. */
  public static boolean isSecretKey(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    if (lower.contains("userinfo") || lower.contains("user.info") || lower.contains("user_info")) {
      return true;
    }
    String[] words = WORD_SEPARATOR.split(lower);
    for (String word : words) {
      if (SECRET_WORDS.contains(word)) {
        return true;
      }
      for (String part : SECRET_PARTS) {
        if (word.contains(part)) {
          return true;
        }
      }
    }
    String last = words.length == 0 ? "" : words[words.length - 1];
    return last.equals("key") || last.equals("keys");
  }

  /** {@code value} of {@code key} as it may be printed: {@link #MASK} for a secret key. */
  public static String value(String key, String value) {
    return isSecretKey(key) ? MASK : url(value);
  }

  /**
   * {@code value} without URL passwords: {@code amqp://agent:pw@host/vh} is {@code
   * amqp://agent:****@host/vh}; {@code amqp://agent:p@ss@host} is {@code amqp://****@host}; {@code
   * user:pw@host} is {@link #MASK}. A value without {@code @} or secret query parameters is
   * returned as it is.
   */
  public static String url(String value) {
    if (value == null) {
      return null;
    }
    int schemeEnd = value.indexOf("://");
    int at = value.lastIndexOf('@');
    if (at < 0) {
      return schemeEnd < 0 ? value : redactQuery(value);
    }
    if (schemeEnd < 0 || at < schemeEnd) {
      return MASK;
    }
    try {
      URI uri = new URI(value);
      if (uri.getHost() != null && uri.getRawUserInfo() != null && value.indexOf('@') == at) {
        String info = uri.getRawUserInfo();
        int colon = info.indexOf(':');
        String user = colon < 0 ? info : info.substring(0, colon) + ":" + MASK;
        return redactQuery(
            uri.getScheme() + "://" + user + value.substring(value.indexOf('@', schemeEnd)));
      }
    } catch (URISyntaxException e) {
      // handled below: nothing before the last '@' is printed
    }
    return value.substring(0, schemeEnd + 3) + MASK + value.substring(at);
  }

  /** Replaces the values of query parameters whose names are secret. */
  private static String redactQuery(String url) {
    int q = url.indexOf('?');
    if (q < 0) {
      return url;
    }
    int hash = url.indexOf('#', q);
    String query = hash < 0 ? url.substring(q + 1) : url.substring(q + 1, hash);
    StringBuilder out = new StringBuilder(url.substring(0, q + 1));
    String[] params = query.split("&", -1);
    for (int i = 0; i < params.length; i++) {
      int eq = params[i].indexOf('=');
      boolean secret = eq > 0 && isSecretKey(params[i].substring(0, eq));
      out.append(i == 0 ? "" : "&")
          .append(secret ? params[i].substring(0, eq + 1) + MASK : params[i]);
    }
    return out.append(hash < 0 ? "" : url.substring(hash)).toString();
  }
}
