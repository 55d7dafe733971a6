package io.agentmq.api.crypto;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;

/**
 * The AES-256 keys a queue knows by key id, and the current one new messages are encrypted with;
 * the others still decrypt what was sent under them, so keys rotate. Immutable and thread-safe;
 * {@link #toString()} names key ids only, never key material.
 */
public final class KeyRing {
  /** Length of every key: AES-256. */
  public static final int KEY_BYTES = 32;

  /** What a key id may hold: it travels in a header and names a file. */
  public static final String KEY_ID_RULE =
      "1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit";

  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private final String currentKeyId;
  private final Map<String, SecretKey> keys;

  private KeyRing(String currentKeyId, Map<String, SecretKey> keys) {
    this.currentKeyId = currentKeyId;
    this.keys = keys;
  }

  /**
   * @param currentKeyId the id of the key new messages are encrypted with; one of {@code keys}
   * @param keys every key by id, the current one included
   * @throws IllegalArgumentException naming the key id (never the key) when an id is not valid, a
   *     key is not a 32-byte AES key, or the current id is not among the keys
   */
  public static KeyRing of(String currentKeyId, Map<String, SecretKey> keys) {
    Objects.requireNonNull(currentKeyId, "currentKeyId");
    Map<String, SecretKey> copy = new TreeMap<>();
    keys.forEach(
        (id, key) -> {
          requireValidKeyId(id);
          requireAes256(id, key);
          copy.put(id, key);
        });
    if (!copy.containsKey(currentKeyId)) {
      throw new IllegalArgumentException(
          "the current key id '"
              + currentKeyId
              + "' is not among the keys; known key ids: "
              + (copy.isEmpty() ? "none" : String.join(", ", copy.keySet())));
    }
    return new KeyRing(currentKeyId, Collections.unmodifiableMap(copy));
  }

  /** Whether {@code id} may name a key ({@value #KEY_ID_RULE}). */
  public static boolean isValidKeyId(String id) {
    return id != null && KEY_ID.matcher(id).matches();
  }

  static void requireValidKeyId(String id) {
    if (!isValidKeyId(id)) {
      throw new IllegalArgumentException(
          "key id '" + id + "' is not valid; a key id is " + KEY_ID_RULE);
    }
  }

  private static void requireAes256(String id, SecretKey key) {
    Objects.requireNonNull(key, () -> "key of id '" + id + "'");
    if (!"AES".equalsIgnoreCase(key.getAlgorithm())) {
      throw new IllegalArgumentException(
          "key '" + id + "' is a " + key.getAlgorithm() + " key; expected an AES key");
    }
    byte[] encoded = key.getEncoded();
    if (encoded != null) {
      int length = encoded.length;
      Arrays.fill(encoded, (byte) 0);
      if (length != KEY_BYTES) {
        throw new IllegalArgumentException(
            "key '" + id + "' is " + length + " bytes; expected " + KEY_BYTES + " (AES-256)");
      }
    }
  }

  /** The id of the key new messages are encrypted with. */
  public String currentKeyId() {
    return currentKeyId;
  }

  /** Every key id known, sorted. */
  public Set<String> keyIds() {
    return keys.keySet();
  }

  SecretKey current() {
    return keys.get(currentKeyId);
  }

  Optional<SecretKey> key(String id) {
    return Optional.ofNullable(keys.get(id));
  }

  /** Key ids only. */
  @Override
  public String toString() {
    return "KeyRing{current=" + currentKeyId + ", keys=" + keys.keySet() + "}";
  }
}
