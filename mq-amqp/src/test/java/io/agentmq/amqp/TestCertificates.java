package io.agentmq.amqp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Certificates generated for one test run with {@code openssl} (and the JDK's {@code keytool} for a
 * certificate that has already expired) into a temporary directory: a private CA, another CA nobody
 * signed with, server certificates for localhost / 127.0.0.1 (current, expired, and one for another
 * host), and a client certificate as PEM and as a PKCS12 key store. Keys are EC P-256 in
 * unencrypted PKCS#8.
 */
public final class TestCertificates implements AutoCloseable {
  /** The client certificate's common name: the user SASL EXTERNAL logs in as. */
  public static final String CLIENT_NAME = "agentmq-tls-client";

  private static final Path OPENSSL = Path.of("/usr/bin/openssl");

  private final Path dir;

  /** A key and the certificate for it, PEM files. */
  public record Pair(Path certificate, Path key) {}

  private TestCertificates(Path dir) {
    this.dir = dir;
  }

  /** Generates every certificate into a new temporary directory (about a second). */
  public static TestCertificates generate() throws IOException, InterruptedException {
    TestCertificates certs = new TestCertificates(Files.createTempDirectory("agentmq-tls-"));
    try {
      certs.generateAll();
    } catch (IOException | InterruptedException | RuntimeException e) {
      certs.close();
      throw e;
    }
    return certs;
  }

  private void generateAll() throws IOException, InterruptedException {
    Files.writeString(
        dir.resolve("openssl.cnf"),
        String.join(
            "\n",
            "[req]",
            "distinguished_name = dn",
            "[dn]",
            "[ca]",
            "basicConstraints = critical, CA:TRUE",
            "keyUsage = critical, keyCertSign, cRLSign",
            "subjectKeyIdentifier = hash",
            ""));
    selfSignedCa("ca", "AgentMQ Test CA");
    selfSignedCa("other-ca", "AgentMQ Unrelated CA");
    leaf("server", "localhost", "serverAuth", "DNS:localhost, IP:127.0.0.1");
    leaf("wrong-host", "rabbit.example", "serverAuth", "DNS:rabbit.example");
    leaf("client", CLIENT_NAME, "clientAuth", null);
    expiredLeaf("expired");
    Files.writeString(dir.resolve("client.pass"), "p12-" + UUID.randomUUID() + "\n");
    openssl(
        "pkcs12",
        "-export",
        "-inkey",
        "client.key",
        "-in",
        "client.pem",
        "-name",
        "client",
        "-out",
        "client.p12",
        "-passout",
        "file:client.pass");
  }

  /** The directory the files are in. */
  public Path dir() {
    return dir;
  }

  /** The private CA that signed every server and client certificate here. */
  public Path caCertificate() {
    return dir.resolve("ca.pem");
  }

  /** A CA that signed none of them. */
  public Path otherCaCertificate() {
    return dir.resolve("other-ca.pem");
  }

  /** Valid now, for DNS {@code localhost} and IP {@code 127.0.0.1}. */
  public Pair server() {
    return pair("server");
  }

  /** For localhost too, but its validity ended yesterday. */
  public Pair expiredServer() {
    return pair("expired");
  }

  /** Valid now, for {@code rabbit.example} only. */
  public Pair wrongHostServer() {
    return pair("wrong-host");
  }

  /** A client certificate with common name {@link #CLIENT_NAME}. */
  public Pair client() {
    return pair("client");
  }

  /** The client certificate and key in a PKCS12 key store, opened by {@link #clientPassword}. */
  public Path clientKeyStore() {
    return dir.resolve("client.p12");
  }

  /** A file whose one line is the client key store's password. */
  public Path clientPasswordFile() {
    return dir.resolve("client.pass");
  }

  /** The client key store's password, for asserting it is never printed. */
  public String clientPassword() {
    try {
      return Files.readString(clientPasswordFile()).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes the directory; idempotent. */
  @Override
  public void close() {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind
    }
  }

  private Pair pair(String name) {
    return new Pair(dir.resolve(name + ".pem"), dir.resolve(name + ".key"));
  }

  private void selfSignedCa(String name, String commonName)
      throws IOException, InterruptedException {
    key(name);
    openssl(
        "req",
        "-config",
        "openssl.cnf",
        "-x509",
        "-new",
        "-key",
        name + ".key",
        "-subj",
        "/CN=" + commonName,
        "-extensions",
        "ca",
        "-days",
        "30",
        "-out",
        name + ".pem");
  }

  private void leaf(String name, String commonName, String usage, String altNames)
      throws IOException, InterruptedException {
    key(name);
    csr(name, commonName);
    List<String> ext = new ArrayList<>();
    ext.add("basicConstraints = CA:FALSE");
    ext.add("keyUsage = critical, digitalSignature, keyAgreement");
    ext.add("extendedKeyUsage = " + usage);
    if (altNames != null) {
      ext.add("subjectAltName = " + altNames);
    }
    Files.write(dir.resolve(name + ".ext"), ext);
    openssl(
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-set_serial",
        Long.toString(System.nanoTime() & Long.MAX_VALUE),
        "-days",
        "30",
        "-extfile",
        name + ".ext",
        "-out",
        name + ".pem");
  }

  /**
   * A localhost certificate whose validity ended a day ago: {@code keytool -gencert} accepts a
   * start date in the past, {@code openssl x509} of OpenSSL 3.0 does not.
   */
  private void expiredLeaf(String name) throws IOException, InterruptedException {
    key(name);
    csr(name, "localhost");
    openssl(
        "pkcs12",
        "-export",
        "-inkey",
        "ca.key",
        "-in",
        "ca.pem",
        "-name",
        "ca",
        "-out",
        "ca.p12",
        "-passout",
        "pass:ca-store");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    run(
        List.of(
            keytool.toString(),
            "-gencert",
            "-keystore",
            "ca.p12",
            "-storetype",
            "PKCS12",
            "-storepass",
            "ca-store",
            "-alias",
            "ca",
            "-infile",
            name + ".csr",
            "-outfile",
            name + ".pem",
            "-rfc",
            "-startdate",
            "-3d",
            "-validity",
            "2",
            "-ext",
            "san=dns:localhost,ip:127.0.0.1",
            "-ext",
            "eku=serverAuth"));
  }

  private void key(String name) throws IOException, InterruptedException {
    openssl(
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        name + ".key");
  }

  private void csr(String name, String commonName) throws IOException, InterruptedException {
    openssl(
        "req",
        "-config",
        "openssl.cnf",
        "-new",
        "-key",
        name + ".key",
        "-subj",
        "/CN=" + commonName,
        "-out",
        name + ".csr");
  }

  private void openssl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Files.isExecutable(OPENSSL) ? OPENSSL.toString() : "openssl");
    command.addAll(List.of(args));
    run(command);
  }

  private void run(List<String> command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(
          String.join(" ", command)
              + " failed in "
              + dir
              + ": "
              + new String(output, StandardCharsets.UTF_8).trim());
    }
  }
}
