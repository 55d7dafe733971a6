package io.agentmq.agents.cli.console;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The results of the latest operations, kept under random keys so that the page a POST redirects to
 * can show them and a crafted link cannot make one up. Thread-safe.
 */
final class Notices {
  private static final int KEPT = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, String> notices =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > KEPT;
        }
      };

  /** Keeps {@code text} and returns its key. */
  synchronized String add(String text) {
    String key = randomKey();
    notices.put(key, text);
    return key;
  }

  /** The notice kept under {@code key}, if it is still kept. */
  synchronized Optional<String> get(String key) {
    return key == null ? Optional.empty() : Optional.ofNullable(notices.get(key));
  }

  /** Sixteen random bytes, URL-safe. */
  static String randomKey() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
