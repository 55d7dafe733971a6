package io.agentmq.amqp;

import io.agentmq.api.ConfigSection;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS of an {@code amqps://} connection, read from {@code amqp.tls.*}: whom to trust, which
 * client certificate to present, whether the host name is checked and how to log in. Every file is
 * read and parsed here, so a bad one is a configuration error naming its key (and its path, unless
 * the key is secret); a password is held only while the key store is opened.
 */
final class AmqpTls {
  private static final List<String> KEYS =
      List.of(
          AmqpConfig.TLS_CA_FILE,
          AmqpConfig.TLS_CERT_FILE,
          AmqpConfig.TLS_KEY_FILE,
          AmqpConfig.TLS_KEY_STORE,
          AmqpConfig.TLS_KEY_STORE_PASSWORD_FILE,
          AmqpConfig.TLS_VERIFY_HOSTNAME,
          AmqpConfig.TLS_SASL);

  /** Protects the in-memory key store of a PEM client key; never leaves this class. */
  private static final char[] IN_MEMORY = "agentmq".toCharArray();

  private static final Pattern PKCS8 =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  /** Trust and client key, for AMQP and the management API alike. */
  final SSLContext context;

  final boolean verifyHostname;

  /** SASL EXTERNAL: the broker logs in the client certificate's subject, no password. */
  final boolean external;

  /** {@code amqp.tls.ca_file}, or null: the JVM's trust store. */
  final String caFile;

  /** Whether a client certificate is presented when the broker asks for one. */
  final boolean clientCertificate;

  private AmqpTls(
      SSLContext context,
      boolean verifyHostname,
      boolean external,
      String caFile,
      boolean clientCertificate) {
    this.context = context;
    this.verifyHostname = verifyHostname;
    this.external = external;
    this.caFile = caFile;
    this.clientCertificate = clientCertificate;
  }

  /** Reads {@code amqp.tls.*}; null for an {@code amqp://} URL, which refuses them. */
  static AmqpTls read(ConfigSection s, boolean amqps) {
    List<String> present = KEYS.stream().filter(k -> s.string(k).isPresent()).toList();
    if (!amqps) {
      if (!present.isEmpty()) {
        s.addProblem(
            present.stream()
                    .map(k -> "'amqp." + k + "' (" + s.sourceOf(k) + ")")
                    .collect(Collectors.joining(", "))
                + (present.size() == 1 ? " is" : " are")
                + " set, but amqp.url starts with amqp://, which does not use TLS; use"
                + " amqps://host:5671 for TLS, or remove the amqp.tls.* settings");
      }
      return null;
    }
    boolean verifyHostname = s.bool(AmqpConfig.TLS_VERIFY_HOSTNAME, true);
    String sasl = s.string(AmqpConfig.TLS_SASL, "plain").trim().toLowerCase(Locale.ROOT);
    if (!Set.of("plain", "external").contains(sasl)) {
      s.problem(
          AmqpConfig.TLS_SASL,
          "plain (the user and password of amqp.url) or external (the client certificate of"
              + " amqp.tls.cert_file or amqp.tls.key_store)");
    }
    boolean external = sasl.equals("external");
    boolean clientCertificate =
        present.contains(AmqpConfig.TLS_CERT_FILE)
            || present.contains(AmqpConfig.TLS_KEY_FILE)
            || present.contains(AmqpConfig.TLS_KEY_STORE);
    if (external && !clientCertificate) {
      s.addProblem(
          "'amqp.tls.sasl' = 'external' ("
              + s.sourceOf(AmqpConfig.TLS_SASL)
              + ") logs in with the client certificate, but none is set: set amqp.tls.cert_file"
              + " and amqp.tls.key_file, or amqp.tls.key_store and"
              + " amqp.tls.key_store_password_file");
    }
    TrustManager[] trust = trustManagers(s, verifyHostname);
    KeyManager[] keys = keyManagers(s);
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys, trust, null);
      return new AmqpTls(
          context,
          verifyHostname,
          external,
          s.string(AmqpConfig.TLS_CA_FILE).map(String::trim).orElse(null),
          keys != null);
    } catch (GeneralSecurityException e) {
      s.addProblem("amqp.tls.*: this JVM cannot set up TLS (" + e.getClass().getSimpleName() + ")");
      return null;
    }
  }

  /** Trust in {@code amqp.tls.ca_file}'s certificates, or in the JVM's trust store. */
  private static TrustManager[] trustManagers(ConfigSection s, boolean verifyHostname) {
    KeyStore anchors = null;
    Path ca =
        file(s, AmqpConfig.TLS_CA_FILE, "a readable PEM file of the CA certificates to trust");
    if (ca != null) {
      try {
        List<X509Certificate> certificates = certificates(ca);
        anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        for (int i = 0; i < certificates.size(); i++) {
          anchors.setCertificateEntry("ca-" + i, certificates.get(i));
        }
      } catch (IOException | GeneralSecurityException e) {
        s.problem(
            AmqpConfig.TLS_CA_FILE,
            "a PEM file of CA certificates ('-----BEGIN CERTIFICATE-----'); it holds none ("
                + e.getClass().getSimpleName()
                + ")");
        anchors = null;
      }
    }
    try {
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(anchors); // null: the JVM's trust store
      TrustManager[] managers = factory.getTrustManagers();
      if (!verifyHostname) {
        for (int i = 0; i < managers.length; i++) {
          if (managers[i] instanceof X509ExtendedTrustManager m) {
            managers[i] = new ChainOnly(m);
          }
        }
      }
      return managers;
    } catch (GeneralSecurityException e) {
      s.addProblem("amqp.tls.ca_file: no trust manager (" + e.getClass().getSimpleName() + ")");
      return null;
    }
  }

  /** The client certificate: PEM certificate and key, or a PKCS12 key store; null when none. */
  private static KeyManager[] keyManagers(ConfigSection s) {
    boolean pem =
        s.string(AmqpConfig.TLS_CERT_FILE).isPresent()
            || s.string(AmqpConfig.TLS_KEY_FILE).isPresent();
    boolean store =
        s.string(AmqpConfig.TLS_KEY_STORE).isPresent()
            || s.string(AmqpConfig.TLS_KEY_STORE_PASSWORD_FILE).isPresent();
    if (pem && store) {
      s.addProblem(
          "amqp.tls.cert_file/amqp.tls.key_file and amqp.tls.key_store/"
              + "amqp.tls.key_store_password_file both name a client certificate; set one pair");
      return null;
    }
    if (pem) {
      return pemKeyManagers(s);
    }
    return store ? keyStoreManagers(s) : null;
  }

  private static KeyManager[] pemKeyManagers(ConfigSection s) {
    if (s.string(AmqpConfig.TLS_CERT_FILE).isEmpty()
        || s.string(AmqpConfig.TLS_KEY_FILE).isEmpty()) {
      s.addProblem(
          "amqp.tls.cert_file and amqp.tls.key_file go together: the client certificate (PEM,"
              + " followed by its intermediate CAs if any) and its private key (PEM, unencrypted"
              + " PKCS#8, '-----BEGIN PRIVATE KEY-----'); one of them is missing");
      return null;
    }
    Path certFile =
        file(s, AmqpConfig.TLS_CERT_FILE, "a readable PEM file of the client certificate");
    Path keyFile =
        file(s, AmqpConfig.TLS_KEY_FILE, "a readable PEM file of the client's private key");
    if (certFile == null || keyFile == null) {
      return null;
    }
    List<X509Certificate> chain;
    try {
      chain = certificates(certFile);
    } catch (IOException | GeneralSecurityException e) {
      s.problem(
          AmqpConfig.TLS_CERT_FILE,
          "a PEM file of the client certificate ('-----BEGIN CERTIFICATE-----'); it holds none");
      return null;
    }
    PrivateKey key = privateKey(s, keyFile);
    if (key == null) {
      return null;
    }
    try {
      KeyStore keyStore = KeyStore.getInstance("PKCS12");
      keyStore.load(null, null);
      keyStore.setKeyEntry("client", key, IN_MEMORY, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory factory =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      factory.init(keyStore, IN_MEMORY);
      return factory.getKeyManagers();
    } catch (IOException | GeneralSecurityException e) {
      s.problem(
          AmqpConfig.TLS_KEY_FILE,
          "the private key of the certificate in amqp.tls.cert_file ("
              + e.getClass().getSimpleName()
              + ")");
      return null;
    }
  }

  private static KeyManager[] keyStoreManagers(ConfigSection s) {
    if (s.string(AmqpConfig.TLS_KEY_STORE).isEmpty()
        || s.string(AmqpConfig.TLS_KEY_STORE_PASSWORD_FILE).isEmpty()) {
      s.addProblem(
          "amqp.tls.key_store and amqp.tls.key_store_password_file go together: a PKCS12 key"
              + " store with the client certificate and its key, and a file holding its password;"
              + " one of them is missing");
      return null;
    }
    Path storeFile = file(s, AmqpConfig.TLS_KEY_STORE, "a readable PKCS12 key store");
    Path passwordFile =
        file(
            s,
            AmqpConfig.TLS_KEY_STORE_PASSWORD_FILE,
            "a readable file holding the key store's password");
    if (storeFile == null || passwordFile == null) {
      return null;
    }
    char[] password;
    try {
      // One line: a trailing line break is not part of the password.
      password = Files.readString(passwordFile).replaceAll("\\R+$", "").toCharArray();
    } catch (IOException e) {
      s.problem(
          AmqpConfig.TLS_KEY_STORE_PASSWORD_FILE, "a readable UTF-8 file holding the password");
      return null;
    }
    try (InputStream in = Files.newInputStream(storeFile)) {
      KeyStore keyStore = KeyStore.getInstance("PKCS12");
      keyStore.load(in, password);
      KeyManagerFactory factory =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      factory.init(keyStore, password);
      return factory.getKeyManagers();
    } catch (IOException | GeneralSecurityException e) {
      s.problem(
          AmqpConfig.TLS_KEY_STORE,
          "a PKCS12 key store that the password in amqp.tls.key_store_password_file opens (a"
              + " wrong password, or not a PKCS12 file: "
              + e.getClass().getSimpleName()
              + ")");
      return null;
    } finally {
      Arrays.fill(password, '\0');
    }
  }

  /** The file a key names, or null when unset or not readable (a problem naming it then). */
  private static Path file(ConfigSection s, String key, String accepted) {
    String value = s.string(key).map(String::trim).orElse(null);
    if (value == null) {
      return null;
    }
    try {
      Path path = Path.of(value);
      if (Files.isRegularFile(path) && Files.isReadable(path)) {
        return path;
      }
      s.problem(
          key,
          accepted
              + (Files.exists(path)
                  ? "; it exists but this process cannot read it"
                  : "; no file exists at this path"));
    } catch (InvalidPathException e) {
      s.problem(key, accepted + "; this is not a file path");
    }
    return null;
  }

  private static List<X509Certificate> certificates(Path file)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> certificates = new ArrayList<>();
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certificates.add((X509Certificate) c);
      }
      if (certificates.isEmpty()) {
        throw new CertificateException("no certificate");
      }
      return certificates;
    }
  }

  /** An unencrypted PKCS#8 PEM key (RSA, EC or EdDSA); null and a problem otherwise. */
  private static PrivateKey privateKey(ConfigSection s, Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      s.problem(AmqpConfig.TLS_KEY_FILE, "a readable PEM file of the client's private key");
      return null;
    }
    Matcher m = PKCS8.matcher(text);
    byte[] der = null;
    try {
      der = m.find() ? Base64.getMimeDecoder().decode(m.group(1).replaceAll("\\s", "")) : null;
    } catch (IllegalArgumentException e) {
      // not Base64: reported below
    }
    if (der != null) {
      try {
        for (String algorithm : List.of("RSA", "EC", "EdDSA", "RSASSA-PSS")) {
          try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
          } catch (GeneralSecurityException e) {
            // try the next algorithm
          }
        }
      } finally {
        Arrays.fill(der, (byte) 0);
      }
    }
    s.problem(
        AmqpConfig.TLS_KEY_FILE,
        "an unencrypted PKCS#8 PEM key ('-----BEGIN PRIVATE KEY-----', RSA, EC or EdDSA); convert"
            + " another form with: openssl pkcs8 -topk8 -nocrypt -in <key> -out <new key>");
    return null;
  }

  /**
   * {@code amqp.tls.verify_hostname = false}: checks the broker's certificate chain as the wrapped
   * manager does, without comparing its names to the host connected to.
   */
  private static final class ChainOnly extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager chain;

    ChainOnly(X509ExtendedTrustManager chain) {
      this.chain = chain;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certs, String authType, Socket socket)
        throws CertificateException {
      chain.checkServerTrusted(certs, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
        throws CertificateException {
      chain.checkServerTrusted(certs, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certs, String authType)
        throws CertificateException {
      chain.checkServerTrusted(certs, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certs, String authType, Socket socket)
        throws CertificateException {
      chain.checkClientTrusted(certs, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
        throws CertificateException {
      chain.checkClientTrusted(certs, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certs, String authType)
        throws CertificateException {
      chain.checkClientTrusted(certs, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return chain.getAcceptedIssuers();
    }
  }
}
