package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.agentmq.api.ConfigException;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code amqp.tls.*} validated before any connection: each mistake is refused naming the key, the
 * path (unless the key is secret) and what is accepted, and no password is printed.
 */
@DisplayName("amqp.tls settings")
class AmqpTlsConfigTest {
  private static TestCertificates certs;

  @BeforeAll
  static void generate() throws Exception {
    certs = TestCertificates.generate();
  }

  @AfterAll
  static void delete() {
    certs.close();
  }

  private static MqConfig.Builder amqps() {
    return MqConfig.builder().brokerType("amqp").set("amqp.url", "amqps://agent:pw@localhost:1");
  }

  private static String refusal(MqConfig.Builder builder) {
    MqConfig config = builder.build();
    ConfigException e =
        catchThrowableOfType(ConfigException.class, () -> MessageQueue.create(config));
    assertThat(e).as("the configuration must be refused").isNotNull();
    StringWriter printed = new StringWriter();
    e.printStackTrace(new PrintWriter(printed));
    assertThat(printed.toString()).doesNotContain(certs.clientPassword());
    return e.getMessage();
  }

  @Test
  @DisplayName("amqp.tls.* with an amqp:// URL is refused, asking for amqps://")
  void tlsWithoutAmqps() {
    String message =
        refusal(
            MqConfig.builder()
                .brokerType("amqp")
                .set("amqp.url", "amqp://agent:pw@localhost:5672")
                .set("amqp.tls.ca_file", certs.caCertificate().toString()));

    assertThat(message)
        .contains("'amqp.tls.ca_file' (override) is set, but amqp.url starts with amqp://")
        .contains("use amqps://host:5671");
  }

  @Test
  @DisplayName("an invalid amqps:// URL with amqp.tls.* is refused for its URL alone")
  void invalidAmqpsUrl() {
    String message =
        refusal(
            MqConfig.builder()
                .brokerType("amqp")
                .set("amqp.url", "amqps://agent:p@ss@localhost:5671")
                .set("amqp.tls.ca_file", certs.caCertificate().toString()));

    assertThat(message).contains("'amqp.url' = 'amqps://****@localhost:5671'");
    assertThat(message).doesNotContain("starts with amqp://", "p@ss");
  }

  @Test
  @DisplayName("a CA file that does not exist is refused naming the key and the path")
  void missingCaFile() {
    Path missing = certs.dir().resolve("no-such-ca.pem");

    assertThat(refusal(amqps().set("amqp.tls.ca_file", missing.toString())))
        .contains("'amqp.tls.ca_file' = '" + missing + "' (override) is not accepted")
        .contains("no file exists at this path");
  }

  @Test
  @DisplayName("a CA file that holds no certificate is refused as not PEM certificates")
  void caFileWithoutCertificates() {
    String message = refusal(amqps().set("amqp.tls.ca_file", certs.client().key().toString()));

    assertThat(message)
        .contains("'amqp.tls.ca_file' = '" + certs.client().key() + "'")
        .contains("a PEM file of CA certificates");
  }

  @Test
  @DisplayName("an unreadable key file is refused naming the key and the path")
  void unreadableKeyFile() throws Exception {
    Path locked = certs.dir().resolve("locked.key");
    Files.copy(certs.client().key(), locked);
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    boolean root = Files.isReadable(locked); // root reads anything: then check the wrong form
    Path key = root ? certs.client().certificate() : locked;

    String message =
        refusal(
            amqps()
                .set("amqp.tls.cert_file", certs.client().certificate().toString())
                .set("amqp.tls.key_file", key.toString()));

    assertThat(message).contains("'amqp.tls.key_file' = '" + key + "'");
    assertThat(message)
        .contains(
            root
                ? "an unencrypted PKCS#8 PEM key ('-----BEGIN PRIVATE KEY-----'"
                : "it exists but this process cannot read it");
  }

  @Test
  @DisplayName("a certificate without its key, or both a PEM pair and a key store, are refused")
  void incompletePairs() {
    assertThat(refusal(amqps().set("amqp.tls.cert_file", certs.client().certificate().toString())))
        .contains("amqp.tls.cert_file and amqp.tls.key_file go together");
    assertThat(
            refusal(
                amqps()
                    .set("amqp.tls.cert_file", certs.client().certificate().toString())
                    .set("amqp.tls.key_file", certs.client().key().toString())
                    .set("amqp.tls.key_store", certs.clientKeyStore().toString())))
        .contains("both name a client certificate; set one pair");
  }

  @Test
  @DisplayName("SASL EXTERNAL without a client certificate, or an unknown mechanism, is refused")
  void saslChecked() {
    assertThat(refusal(amqps().set("amqp.tls.sasl", "external")))
        .contains("logs in with the client certificate, but none is set");
    assertThat(refusal(amqps().set("amqp.tls.sasl", "scram")))
        .contains("'amqp.tls.sasl' = 'scram' (override) is not accepted; expected plain")
        .contains("or external");
  }

  @Test
  @DisplayName(
      "a key store password file that does not open the key store is refused, no password and no"
          + " password file path printed")
  void wrongKeyStorePassword() throws Exception {
    Path wrong = certs.dir().resolve("wrong.pass");
    Files.writeString(wrong, "not-the-Passw0rd\n");

    String message =
        refusal(
            amqps()
                .set("amqp.tls.key_store", certs.clientKeyStore().toString())
                .set("amqp.tls.key_store_password_file", wrong.toString()));

    assertThat(message)
        .contains("'amqp.tls.key_store' = '" + certs.clientKeyStore() + "'")
        .contains("a PKCS12 key store that the password in amqp.tls.key_store_password_file opens")
        .doesNotContain("not-the-Passw0rd");
  }

  @Test
  @DisplayName(
      "a missing password file is refused with its key, its value redacted: it may be the"
          + " password itself written by mistake")
  void passwordFileValueRedacted() {
    String message =
        refusal(
            amqps()
                .set("amqp.tls.key_store", certs.clientKeyStore().toString())
                .set("amqp.tls.key_store_password_file", certs.clientPassword()));

    assertThat(message)
        .contains("'amqp.tls.key_store_password_file' = (redacted) (override) is not accepted")
        .contains("no file exists at this path");
  }

  @Test
  @DisplayName("valid settings give a TLS context with host name verification on by default")
  void validSettings() {
    AmqpConfig config =
        new AmqpConfig(
            amqps()
                .set("amqp.tls.ca_file", certs.caCertificate().toString())
                .set("amqp.tls.key_store", certs.clientKeyStore().toString())
                .set("amqp.tls.key_store_password_file", certs.clientPasswordFile().toString())
                .build());

    assertThat(config.tls.context).isNotNull();
    assertThat(config.tls.verifyHostname).isTrue();
    assertThat(config.tls.external).isFalse();
    assertThat(config.tls.caFile).isEqualTo(certs.caCertificate().toString());
    assertThat(new AmqpConfig(MqConfig.builder().brokerType("amqp").build()).tls).isNull();
  }
}
