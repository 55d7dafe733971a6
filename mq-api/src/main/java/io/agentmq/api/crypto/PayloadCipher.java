package io.agentmq.api.crypto;

import io.agentmq.api.Message;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The AES-256-GCM envelope of one message's payload: a random 12-byte IV (from one {@link
 * SecureRandom}) followed by the ciphertext and its 128-bit tag, so {@value #OVERHEAD} bytes more
 * than the plaintext, with the key id in {@value #KEY_ID_HEADER} and {@value #ALGORITHM} in {@value
 * #ALGORITHM_HEADER}. The key id and the message id are authenticated with it (associated data): a
 * payload moved to another message, or to another key id, fails to decrypt. Id, key, headers and
 * timestamp travel in clear.
 *
 * <p>Thread-safe; each thread keeps its own {@link Cipher}.
 */
public final class PayloadCipher {
  /** Header naming the id of the key a payload is encrypted under. */
  public static final String KEY_ID_HEADER = "mq-enc-key";

  /** Header naming the envelope's algorithm. */
  public static final String ALGORITHM_HEADER = "mq-enc-alg";

  /** The one algorithm: AES with a 256-bit key in Galois/Counter Mode. */
  public static final String ALGORITHM = "AES-256-GCM";

  /** Bytes an encrypted payload has beyond its plaintext: the IV and the tag. */
  public static final int OVERHEAD = 12 + 16;

  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final ThreadLocal<Cipher> CIPHERS =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
              throw new IllegalStateException("this JVM has no AES/GCM/NoPadding cipher", e);
            }
          });

  private final KeyRing keys;
  private final SecureRandom random = new SecureRandom();

  public PayloadCipher(KeyRing keys) {
    this.keys = Objects.requireNonNull(keys, "keys");
  }

  public KeyRing keys() {
    return keys;
  }

  /** Whether {@code message} says it is encrypted: it carries {@value #KEY_ID_HEADER}. */
  public static boolean isEncrypted(Message message) {
    return message.header(KEY_ID_HEADER).isPresent();
  }

  /**
   * The message with its payload encrypted under the current key, and the two headers set; id, key,
   * other headers and timestamp as they were.
   */
  public Message encrypt(Message message) {
    String keyId = keys.currentKeyId();
    byte[] iv = new byte[IV_BYTES];
    random.nextBytes(iv);
    byte[] plain = message.payload();
    byte[] sealed;
    try {
      Cipher cipher = CIPHERS.get();
      cipher.init(Cipher.ENCRYPT_MODE, keys.current(), new GCMParameterSpec(TAG_BITS, iv));
      cipher.updateAAD(associatedData(keyId, message.id()));
      sealed = new byte[IV_BYTES + cipher.getOutputSize(plain.length)];
      System.arraycopy(iv, 0, sealed, 0, IV_BYTES);
      cipher.doFinal(plain, 0, plain.length, sealed, IV_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot encrypt message " + message.id() + " under key id '" + keyId + "'", e);
    }
    return Message.builder(sealed)
        .id(message.id())
        .key(message.key().orElse(null))
        .headers(message.headers())
        .header(KEY_ID_HEADER, keyId)
        .header(ALGORITHM_HEADER, ALGORITHM)
        .timestamp(message.timestamp())
        .build();
  }

  /**
   * The message as it was sent: the plaintext payload, without the two headers.
   *
   * @throws PayloadDecryptionException naming the message id, the key id and what failed: no key id
   *     header, another algorithm, a key id unknown here, a payload shorter than IV and tag, or a
   *     tag that does not authenticate payload, message id and key id under that key
   */
  public Message decrypt(Message message) {
    Optional<String> header = message.header(KEY_ID_HEADER);
    if (header.isEmpty()) {
      throw failure(message, "it has no " + KEY_ID_HEADER + " header: it is not encrypted");
    }
    String keyId = header.get();
    String algorithm = message.header(ALGORITHM_HEADER).orElse(ALGORITHM);
    if (!algorithm.equals(ALGORITHM)) {
      throw failure(
          message,
          "its "
              + ALGORITHM_HEADER
              + " '"
              + printable(algorithm)
              + "' is not supported; expected "
              + ALGORITHM);
    }
    Optional<SecretKey> key = keys.key(keyId);
    if (key.isEmpty()) {
      throw failure(
          message,
          "key id '"
              + printable(keyId)
              + "' is unknown here; this consumer has key ids "
              + String.join(", ", keys.keyIds()));
    }
    byte[] sealed = message.payload();
    if (sealed.length < OVERHEAD) {
      throw failure(
          message,
          "its payload under key id '"
              + keyId
              + "' is "
              + sealed.length
              + " bytes, shorter than the "
              + OVERHEAD
              + " bytes of IV and tag: it was cut short");
    }
    byte[] plain;
    try {
      Cipher cipher = CIPHERS.get();
      cipher.init(
          Cipher.DECRYPT_MODE, key.get(), new GCMParameterSpec(TAG_BITS, sealed, 0, IV_BYTES));
      cipher.updateAAD(associatedData(keyId, message.id()));
      plain = cipher.doFinal(sealed, IV_BYTES, sealed.length - IV_BYTES);
    } catch (AEADBadTagException e) {
      throw failure(
          message,
          "authentication failed under key id '"
              + keyId
              + "': the payload was altered, belongs to another message, or was encrypted with"
              + " another key of that id");
    } catch (GeneralSecurityException e) {
      throw failure(
          message,
          "decryption under key id '" + keyId + "' failed: " + e.getClass().getSimpleName());
    }
    Map<String, String> headers = new LinkedHashMap<>(message.headers());
    headers.remove(KEY_ID_HEADER);
    headers.remove(ALGORITHM_HEADER);
    return Message.builder(plain)
        .id(message.id())
        .key(message.key().orElse(null))
        .headers(headers)
        .timestamp(message.timestamp())
        .build();
  }

  /** Key id and message id, NUL-separated (a key id holds no NUL, so the split is unambiguous). */
  private static byte[] associatedData(String keyId, String messageId) {
    return (keyId + '\0' + messageId).getBytes(StandardCharsets.UTF_8);
  }

  private static PayloadDecryptionException failure(Message message, String what) {
    return new PayloadDecryptionException(
        "cannot decrypt the payload of message " + message.id() + ": " + what);
  }

  /** A header value from the wire, cut and stripped of control characters before it is printed. */
  private static String printable(String value) {
    String cut = value.length() > 64 ? value.substring(0, 64) + "..." : value;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  /** The key ids, never the keys. */
  @Override
  public String toString() {
    return "PayloadCipher{" + ALGORITHM + ", " + keys + "}";
  }
}
