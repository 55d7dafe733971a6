package io.agentmq.api.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.agentmq.api.ConfigException;
import io.agentmq.api.Message;
import io.agentmq.api.MqConfig;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.Map;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code encryption.*} settings: keys from files and key stores, and every refusal. */
class PayloadEncryptionConfigTest {
  private static final String PASSWORD = "st0re-pa55/@word";

  @TempDir Path dir;

  private static String base64(SecretKey key) {
    return Base64.getEncoder().encodeToString(key.getEncoded());
  }

  private Path keyFile(String id, SecretKey key) throws Exception {
    Files.createDirectories(dir.resolve("keys"));
    return Files.writeString(dir.resolve("keys").resolve(id + ".key"), base64(key) + "\n");
  }

  private Path keyStore(Map<String, SecretKey> keys) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    for (Map.Entry<String, SecretKey> e : keys.entrySet()) {
      store.setEntry(
          e.getKey(),
          new KeyStore.SecretKeyEntry(e.getValue()),
          new KeyStore.PasswordProtection(PASSWORD.toCharArray()));
    }
    Path path = dir.resolve("keys.p12");
    try (OutputStream out = Files.newOutputStream(path)) {
      store.store(out, PASSWORD.toCharArray());
    }
    return path;
  }

  private static MqConfig.Builder enabled() {
    return MqConfig.builder().set(MqConfig.ENCRYPTION_ENABLED, "true");
  }

  private static ConfigException fails(MqConfig.Builder builder) {
    return catchThrowableOfType(ConfigException.class, builder::build);
  }

  @Test
  @DisplayName("is off by default")
  void offByDefault() {
    assertThat(MqConfig.defaults().encryption()).isEmpty();
  }

  @Test
  @DisplayName("loads every <key id>.key file of a directory and encrypts under the current one")
  void keyDirectory() throws Exception {
    SecretKey a = PayloadCipherTest.newKey();
    SecretKey b = PayloadCipherTest.newKey();
    keyFile("2024-a", a);
    keyFile("2024-b", b);

    MqConfig config =
        enabled()
            .set(MqConfig.ENCRYPTION_KEY_FILES, dir.resolve("keys").toString())
            .set(MqConfig.ENCRYPTION_CURRENT_KEY_ID, "2024-b")
            .build();

    PayloadEncryption encryption = config.encryption().orElseThrow();
    assertThat(encryption.cipher().keys().keyIds()).containsExactly("2024-a", "2024-b");
    assertThat(encryption.cipher().keys().currentKeyId()).isEqualTo("2024-b");
    Message underA = new PayloadCipher(KeyRing.of("2024-a", Map.of("2024-a", a))).encrypt(msg());
    assertThat(encryption.cipher().decrypt(underA).payloadAsText()).isEqualTo("hello");
    assertThat(config.toString()).doesNotContain(base64(a), base64(b));
  }

  @Test
  @DisplayName(
      "loads keys from a comma-separated list of files and from a PKCS12 key store together")
  void filesAndKeyStore() throws Exception {
    Path a = keyFile("a", PayloadCipherTest.newKey());
    Path b = keyFile("b", PayloadCipherTest.newKey());
    Path store = keyStore(Map.of("c", PayloadCipherTest.newKey()));
    Path passwordFile = Files.writeString(dir.resolve("store.pw"), PASSWORD + "\n");

    PayloadEncryption encryption =
        enabled()
            .set(MqConfig.ENCRYPTION_KEY_FILES, a + ", " + b)
            .set(MqConfig.ENCRYPTION_KEYSTORE_PATH, store.toString())
            .set(MqConfig.ENCRYPTION_KEYSTORE_PASSWORD_FILE, passwordFile.toString())
            .set(MqConfig.ENCRYPTION_CURRENT_KEY_ID, "c")
            .set(MqConfig.ENCRYPTION_REQUIRE, "true")
            .build()
            .encryption()
            .orElseThrow();

    assertThat(encryption.cipher().keys().keyIds()).containsExactly("a", "b", "c");
    assertThat(encryption.required()).isTrue();
  }

  @Test
  @DisplayName("reads the key store's password from MQ_ENCRYPTION_KEYSTORE__PASSWORD")
  void passwordFromEnvironment() throws Exception {
    Path store = keyStore(Map.of("k1", PayloadCipherTest.newKey()));

    MqConfig config =
        MqConfig.builder()
            .environment(
                Map.of(
                    "MQ_ENCRYPTION_ENABLED",
                    "true",
                    "MQ_ENCRYPTION_KEYSTORE__PATH",
                    store.toString(),
                    "MQ_ENCRYPTION_KEYSTORE__PASSWORD",
                    PASSWORD,
                    "MQ_ENCRYPTION_CURRENT_KEY_ID",
                    "k1"))
            .build();

    assertThat(config.encryption().orElseThrow().cipher().keys().keyIds()).containsExactly("k1");
    assertThat(config.toString()).doesNotContain(PASSWORD);
  }

  @Test
  @DisplayName(
      "refuses a key store password written in the configuration file, without printing it")
  void passwordInFileRefused() throws Exception {
    Path store = keyStore(Map.of("k1", PayloadCipherTest.newKey()));
    Path yaml =
        Files.writeString(
            dir.resolve("mq.yaml"),
            "encryption:\n  enabled: true\n  current_key_id: k1\n  keystore:\n    path: "
                + store
                + "\n    password: \""
                + PASSWORD
                + "\"\n");

    ConfigException e = fails(MqConfig.builder().file(yaml));

    assertThat(e.getMessage())
        .contains("'encryption.keystore.password' (file " + yaml)
        .contains("is not read from a configuration file")
        .contains("encryption.keystore.password_file")
        .doesNotContain(PASSWORD);
  }

  @Test
  @DisplayName("says a wrong key store password failed, naming the store, never the password")
  void wrongKeyStorePassword() throws Exception {
    Path store = keyStore(Map.of("k1", PayloadCipherTest.newKey()));
    Path passwordFile = Files.writeString(dir.resolve("store.pw"), "not-" + PASSWORD);

    ConfigException e =
        fails(
            enabled()
                .set(MqConfig.ENCRYPTION_KEYSTORE_PATH, store.toString())
                .set(MqConfig.ENCRYPTION_KEYSTORE_PASSWORD_FILE, passwordFile.toString())
                .set(MqConfig.ENCRYPTION_CURRENT_KEY_ID, "k1"));

    assertThat(e.getMessage())
        .contains("cannot open PKCS12 key store '" + store + "'")
        .contains("wrong password")
        .doesNotContain(PASSWORD);
  }

  @Test
  @DisplayName(
      "refuses a key file that is not the base64 of 32 bytes, naming the file, never its content")
  void badKeyFiles() throws Exception {
    Files.createDirectories(dir.resolve("keys"));
    Path notBase64 = Files.writeString(dir.resolve("keys/x.key"), "s3cr3t-not-base64!");
    Path tooShort =
        Files.writeString(
            dir.resolve("keys/y.key"), Base64.getEncoder().encodeToString(new byte[16]));
    Path badName = Files.writeString(dir.resolve("key-without-suffix"), "AAAA");

    ConfigException e =
        fails(
            enabled()
                .set(MqConfig.ENCRYPTION_KEY_FILES, notBase64 + "," + tooShort + "," + badName)
                .set(MqConfig.ENCRYPTION_CURRENT_KEY_ID, "x"));

    assertThat(e.getMessage())
        .contains("key file '" + notBase64 + "' is not base64")
        .contains("key file '" + tooShort + "' decodes to 16 bytes; expected the base64 of 32")
        .contains("'" + badName + "' is not named <key id>.key")
        .contains("'encryption.current_key_id' = 'x' (override) is not accepted")
        .doesNotContain("s3cr3t");
  }

  @Test
  @DisplayName("refuses a current key id that names no configured key, listing the key ids")
  void unknownCurrentKey() throws Exception {
    keyFile("a", PayloadCipherTest.newKey());

    ConfigException e =
        fails(
            enabled()
                .set(MqConfig.ENCRYPTION_KEY_FILES, dir.resolve("keys").toString())
                .set(MqConfig.ENCRYPTION_CURRENT_KEY_ID, "b"));

    assertThat(e.getMessage()).contains("'encryption.current_key_id' = 'b'").contains("one of: a");
  }

  @Test
  @DisplayName("refuses encryption without keys or a current key id, and require without enabled")
  void incomplete() throws Exception {
    keyFile("a", PayloadCipherTest.newKey());

    assertThat(fails(enabled()).getMessage())
        .contains("'encryption.enabled' is true but no key is configured")
        .contains("encryption.key_files");
    assertThat(
            fails(enabled().set(MqConfig.ENCRYPTION_KEY_FILES, dir.resolve("keys").toString()))
                .getMessage())
        .contains("'encryption.current_key_id' is not set")
        .contains("one of: a");
    assertThat(fails(MqConfig.builder().set(MqConfig.ENCRYPTION_REQUIRE, "true")).getMessage())
        .contains("'encryption.require' is true (override) but 'encryption.enabled' is not");
  }

  private static Message msg() {
    return Message.builder("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .id("1")
        .build();
  }
}
