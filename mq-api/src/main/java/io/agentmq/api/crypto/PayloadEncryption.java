package io.agentmq.api.crypto;

import static io.agentmq.api.MqConfig.ENCRYPTION_CURRENT_KEY_ID;
import static io.agentmq.api.MqConfig.ENCRYPTION_ENABLED;
import static io.agentmq.api.MqConfig.ENCRYPTION_KEYSTORE_PASSWORD;
import static io.agentmq.api.MqConfig.ENCRYPTION_KEYSTORE_PASSWORD_FILE;
import static io.agentmq.api.MqConfig.ENCRYPTION_KEYSTORE_PATH;
import static io.agentmq.api.MqConfig.ENCRYPTION_KEY_FILES;
import static io.agentmq.api.MqConfig.ENCRYPTION_REQUIRE;

import io.agentmq.api.ConfigSection;
import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.SecretKey;

/**
 * Payload encryption as a queue applies it, the same on every backend: each message a producer or
 * handler sends is {@link #seal sealed} under the current key; each delivery is {@link #open
 * opened} before the handler sees it. What is not encrypted passes as it is, unless {@code
 * encryption.require} is set; a dead letter (it carries {@value Headers#DLQ_REASON}) is handed over
 * as it was stored, still encrypted. Immutable and thread-safe.
 */
public final class PayloadEncryption {
  private final PayloadCipher cipher;
  private final boolean required;

  /**
   * @param required whether a delivery without {@value PayloadCipher#KEY_ID_HEADER} fails (it is
   *     dead-lettered) instead of passing as plaintext
   */
  public PayloadEncryption(PayloadCipher cipher, boolean required) {
    this.cipher = Objects.requireNonNull(cipher, "cipher");
    this.required = required;
  }

  /**
   * Reads the {@code encryption.*} settings of the configuration's core section and loads the keys
   * they name; empty when {@code encryption.enabled} is not {@code true}. Every problem (a missing
   * or unknown current key id, an unreadable or malformed key file, a key store that does not open,
   * a password in the configuration file) is added to {@code config}, naming the setting, its
   * source and the file, never a key or a password.
   */
  public static Optional<PayloadEncryption> read(ConfigSection config) {
    boolean enabled = config.bool(ENCRYPTION_ENABLED, false);
    boolean required = config.bool(ENCRYPTION_REQUIRE, false);
    if (!enabled) {
      if (required) {
        config.addProblem(
            "'"
                + ENCRYPTION_REQUIRE
                + "' is true ("
                + config.sourceOf(ENCRYPTION_REQUIRE)
                + ") but '"
                + ENCRYPTION_ENABLED
                + "' is not; set "
                + ENCRYPTION_ENABLED
                + "=true with keys, or leave "
                + ENCRYPTION_REQUIRE
                + " unset");
      }
      return Optional.empty();
    }
    Map<String, SecretKey> keys = new TreeMap<>();
    Optional<String> keyFiles = config.string(ENCRYPTION_KEY_FILES).filter(v -> !v.isBlank());
    Optional<String> keyStore = config.string(ENCRYPTION_KEYSTORE_PATH).filter(v -> !v.isBlank());
    keyFiles.ifPresent(v -> KeySources.readKeyFiles(config, ENCRYPTION_KEY_FILES, v, keys));
    keyStore.ifPresent(v -> readKeyStore(config, Path.of(v.trim()), keys));
    if (keyFiles.isEmpty() && keyStore.isEmpty()) {
      config.addProblem(
          "'"
              + ENCRYPTION_ENABLED
              + "' is true but no key is configured; set "
              + ENCRYPTION_KEY_FILES
              + " (a directory of <key id>.key files, or a comma-separated list of them, each the"
              + " base64 of 32 random bytes) and/or "
              + ENCRYPTION_KEYSTORE_PATH
              + " (a PKCS12 key store whose aliases are key ids)");
      return Optional.empty();
    }
    Optional<String> current =
        config.string(ENCRYPTION_CURRENT_KEY_ID).map(String::trim).filter(v -> !v.isEmpty());
    String known = keys.isEmpty() ? "none could be read" : String.join(", ", keys.keySet());
    if (current.isEmpty()) {
      config.addProblem(
          "'"
              + ENCRYPTION_CURRENT_KEY_ID
              + "' is not set; expected the id of the key new messages are encrypted with, one"
              + " of: "
              + known);
      return Optional.empty();
    }
    if (!keys.containsKey(current.get())) {
      config.problem(ENCRYPTION_CURRENT_KEY_ID, "the id of a configured key, one of: " + known);
      return Optional.empty();
    }
    return Optional.of(
        new PayloadEncryption(new PayloadCipher(KeyRing.of(current.get(), keys)), required));
  }

  private static void readKeyStore(ConfigSection config, Path path, Map<String, SecretKey> keys) {
    Optional<String> passwordFile =
        config.string(ENCRYPTION_KEYSTORE_PASSWORD_FILE).filter(v -> !v.isBlank());
    Optional<String> password = config.string(ENCRYPTION_KEYSTORE_PASSWORD);
    if (password.isPresent() && config.sourceOf(ENCRYPTION_KEYSTORE_PASSWORD).startsWith("file")) {
      config.addProblem(
          "'"
              + ENCRYPTION_KEYSTORE_PASSWORD
              + "' ("
              + config.sourceOf(ENCRYPTION_KEYSTORE_PASSWORD)
              + ") is not read from a configuration file; put the password in a file named by "
              + ENCRYPTION_KEYSTORE_PASSWORD_FILE
              + " or in the environment variable MQ_ENCRYPTION_KEYSTORE__PASSWORD");
      return;
    }
    char[] secret =
        passwordFile.isPresent()
            ? KeySources.readPassword(
                config, ENCRYPTION_KEYSTORE_PASSWORD_FILE, Path.of(passwordFile.get().trim()))
            : password.map(String::toCharArray).orElse(null);
    if (secret == null) {
      if (passwordFile.isEmpty()) {
        config.addProblem(
            "'"
                + ENCRYPTION_KEYSTORE_PATH
                + "' is set but the key store's password is not; set "
                + ENCRYPTION_KEYSTORE_PASSWORD_FILE
                + " (a file holding it) or the environment variable"
                + " MQ_ENCRYPTION_KEYSTORE__PASSWORD");
      }
      return;
    }
    try {
      KeySources.readKeyStore(config, ENCRYPTION_KEYSTORE_PATH, path, secret, keys);
    } finally {
      Arrays.fill(secret, '\0');
    }
  }

  public PayloadCipher cipher() {
    return cipher;
  }

  /** Whether a delivery that is not encrypted is dead-lettered instead of passed on. */
  public boolean required() {
    return required;
  }

  /**
   * {@code message} encrypted under the current key; a message that already carries {@value
   * PayloadCipher#KEY_ID_HEADER} (a dead letter being replayed) is sent as it is.
   */
  public Message seal(Message message) {
    return PayloadCipher.isEncrypted(message) ? message : cipher.encrypt(message);
  }

  /**
   * The delivery a handler gets: decrypted when encrypted; the same instance when it is a dead
   * letter or, unless {@link #required()}, not encrypted.
   *
   * @throws PayloadDecryptionException when it cannot be decrypted, or is not encrypted though
   *     encryption is required
   */
  public Delivery open(Delivery delivery) {
    Message message = delivery.message();
    if (message.header(Headers.DLQ_REASON).isPresent()) {
      return delivery;
    }
    if (!PayloadCipher.isEncrypted(message)) {
      if (required) {
        throw new PayloadDecryptionException(
            "message "
                + message.id()
                + " is not encrypted (it has no "
                + PayloadCipher.KEY_ID_HEADER
                + " header), and "
                + ENCRYPTION_REQUIRE
                + " is true");
      }
      return delivery;
    }
    return new Delivery(
        cipher.decrypt(message),
        delivery.topic(),
        delivery.partition(),
        delivery.offset(),
        delivery.group(),
        delivery.attempt(),
        delivery.producer());
  }

  /** Algorithm, key ids and whether encryption is required; never key material. */
  @Override
  public String toString() {
    return "PayloadEncryption{" + cipher + ", required=" + required + "}";
  }
}
