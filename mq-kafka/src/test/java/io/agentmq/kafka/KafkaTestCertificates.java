package io.agentmq.kafka;

import io.agentmq.api.MqConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates generated with the JDK's {@code keytool} once per test JVM: a private CA with a
 * PKCS12 trust store, key stores signed by it for the broker (localhost and 127.0.0.1), a client a
 * broker that claims another host name and an expired one, and a second CA that signed nothing.
 * Every store has the same random password, made for the run.
 */
public final class KafkaTestCertificates {
  /** The host name the {@link #otherHostKeyStore()} certificate is made out to. */
  public static final String OTHER_HOST = "kafka.other-host.invalid";

  private static final String DAYS_VALID = "2";
  private static KafkaTestCertificates generated;

  private final Path dir;
  private final String password;

  private KafkaTestCertificates(Path dir, String password) {
    this.dir = dir;
    this.password = password;
  }

  /** The certificates of this JVM, generated on first use. */
  public static synchronized KafkaTestCertificates get() {
    if (generated == null) {
      try {
        Path dir = Files.createTempDirectory("agentmq-kafka-tls-");
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        KafkaTestCertificates certificates =
            new KafkaTestCertificates(dir, HexFormat.of().formatHex(random));
        certificates.generate();
        generated = certificates;
      } catch (IOException e) {
        throw new UncheckedIOException("generating test certificates with keytool failed", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while generating test certificates", e);
      }
    }
    return generated;
  }

  /** The password of every store (and key) here. */
  public String password() {
    return password;
  }

  /** Trusts the private CA only. */
  public Path trustStore() {
    return dir.resolve("truststore.p12");
  }

  /** Trusts a second CA that signed none of the certificates here. */
  public Path otherCaTrustStore() {
    return dir.resolve("other-ca-truststore.p12");
  }

  /** The broker's key and certificate, for {@code localhost} and {@code 127.0.0.1}. */
  public Path brokerKeyStore() {
    return dir.resolve("broker.p12");
  }

  /** A client's key and certificate ({@code CN=agent}), for mutual TLS. */
  public Path clientKeyStore() {
    return dir.resolve("client.p12");
  }

  /** A broker key and certificate signed by the private CA, but for {@link #OTHER_HOST} only. */
  public Path otherHostKeyStore() {
    return dir.resolve("other-host.p12");
  }

  /**
   * A broker key and certificate for localhost and 127.0.0.1, signed by the CA, expired a day ago.
   */
  public Path expiredKeyStore() {
    return dir.resolve("expired.p12");
  }

  /** Client settings that trust {@code trustStore} ({@code kafka.client.ssl.truststore.*}). */
  public MqConfig.Builder trust(MqConfig.Builder builder, Path trustStore) {
    return builder
        .set("kafka.client.ssl.truststore.location", trustStore.toString())
        .set("kafka.client.ssl.truststore.type", "PKCS12")
        .set("kafka.client.ssl.truststore.password", password);
  }

  /** Client settings that present the client certificate ({@code kafka.client.ssl.keystore.*}). */
  public MqConfig.Builder clientCertificate(MqConfig.Builder builder) {
    return builder
        .set("kafka.client.ssl.keystore.location", clientKeyStore().toString())
        .set("kafka.client.ssl.keystore.type", "PKCS12")
        .set("kafka.client.ssl.keystore.password", password);
  }

  private void generate() throws IOException, InterruptedException {
    Path ca = authority("ca", "CN=AgentMQ test CA", trustStore());
    authority("other-ca", "CN=AgentMQ test CA nobody uses", otherCaTrustStore());
    List<String> localhost = List.of("-ext", "SAN=dns:localhost,ip:127.0.0.1");
    signed(ca, brokerKeyStore(), "CN=localhost", localhost);
    signed(ca, clientKeyStore(), "CN=agent", List.of());
    signed(ca, otherHostKeyStore(), "CN=" + OTHER_HOST, List.of("-ext", "SAN=dns:" + OTHER_HOST));
    List<String> expired = new ArrayList<>(localhost);
    expired.addAll(List.of("-startdate", "-3d"));
    signed(ca, expiredKeyStore(), "CN=localhost", expired);
  }

  /** A self-signed CA in its own key store, and a trust store holding its certificate. */
  private Path authority(String name, String subject, Path trustStore)
      throws IOException, InterruptedException {
    Path keyStore = dir.resolve(name + ".p12");
    Path certificate = dir.resolve(name + ".pem");
    keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        subject,
        "-validity",
        DAYS_VALID,
        "-ext",
        "bc:c",
        "-keystore",
        keyStore.toString());
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        keyStore.toString(),
        "-file",
        certificate.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-file",
        certificate.toString(),
        "-keystore",
        trustStore.toString());
    return keyStore;
  }

  /**
   * A key store holding a new key and its certificate signed by {@code ca}, with the chain; {@code
   * signing} adds to keytool's {@code -gencert} options (extensions, a start date).
   */
  private void signed(Path ca, Path keyStore, String subject, List<String> signing)
      throws IOException, InterruptedException {
    String name = keyStore.getFileName().toString().replace(".p12", "");
    Path request = dir.resolve(name + ".csr");
    Path certificate = dir.resolve(name + ".pem");
    keytool(
        "-genkeypair",
        "-alias",
        name,
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        subject,
        "-validity",
        DAYS_VALID,
        "-keystore",
        keyStore.toString());
    keytool(
        "-certreq", "-alias", name, "-keystore", keyStore.toString(), "-file", request.toString());
    List<String> sign =
        new ArrayList<>(
            List.of(
                "-gencert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                ca.toString(),
                "-infile",
                request.toString(),
                "-outfile",
                certificate.toString(),
                "-validity",
                DAYS_VALID,
                "-ext",
                "EKU=serverAuth,clientAuth"));
    sign.addAll(signing);
    keytool(sign.toArray(String[]::new));
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-keystore",
        keyStore.toString(),
        "-file",
        dir.resolve(ca.getFileName().toString().replace(".p12", ".pem")).toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        name,
        "-keystore",
        keyStore.toString(),
        "-file",
        certificate.toString());
  }

  private void keytool(String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("-storetype", "PKCS12", "-storepass", password));
    Path log = dir.resolve("keytool.log");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException("keytool " + args[0] + " failed; see " + log);
    }
  }
}
