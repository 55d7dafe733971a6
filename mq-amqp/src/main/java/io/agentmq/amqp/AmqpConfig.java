package io.agentmq.amqp;

import com.rabbitmq.client.Address;
import io.agentmq.api.ConfigSection;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Redaction;
import io.agentmq.spi.IdempotencyStores;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
 * Settings of the RabbitMQ backend, read from {@code amqp.*} and the common settings, validated
 * here with their defaults. {@code amqp.url} is parsed once, here, into the nodes, virtual host and
 * credentials the connection uses; its password never appears in logs or errors. The nodes of a
 * cluster are listed in {@code amqp.addresses} or as several URLs in {@code amqp.url}. The {@code
 * amqp.tls.*} settings of an {@code amqps://} URL become a {@link Tls}, files read here.
 */
final class AmqpConfig {
  static final String URL = "url";
  static final String ADDRESSES = "addresses";
  static final String QUEUE_TYPE = "queue_type";
  static final String PREFETCH = "prefetch";
  static final String MANAGEMENT_URL = "management_url";
  static final String SINGLE_ACTIVE_CONSUMER = "single_active_consumer";
  static final String PUBLISHER_CHANNELS = "publisher_channels";
  static final String IDEMPOTENCY_STORE = "idempotency_store";
  static final String IDEMPOTENCY_RETENTION_MS = "idempotency_retention_ms";
  static final String TLS_CA_FILE = "tls.ca_file";
  static final String TLS_CERT_FILE = "tls.cert_file";
  static final String TLS_KEY_FILE = "tls.key_file";
  static final String TLS_KEY_STORE = "tls.key_store";
  static final String TLS_KEY_STORE_PASSWORD_FILE = "tls.key_store_password_file";
  static final String TLS_VERIFY_HOSTNAME = "tls.verify_hostname";
  static final String TLS_SASL = "tls.sasl";

  /** The group whose queue keeps every dead letter of a topic, declared with the topic. */
  static final String KEPT_GROUP = "kept";

  final MqConfig common;

  /** The first URL of {@code amqp.url}: scheme, credentials, virtual host and URL parameters. */
  final URI url;

  /**
   * The nodes to connect to, in the order given (the client shuffles them): {@code amqp.addresses},
   * or the host and port of each URL in {@code amqp.url}.
   */
  final List<Address> addresses;

  /** Whether the nodes are named apart from a single URL (several URLs or amqp.addresses). */
  private final boolean listed;

  final String queueType;
  final int prefetch;
  final URI managementUrl;

  /** Largest message body the client accepts: {@code producer.max_message_bytes}. */
  final int maxInboundBodyBytes;

  private final String user;
  private final String password;

  /** {@code topics.<topic>.groups}: their queues are declared with the topic. */
  final Map<String, List<String>> requiredGroups;

  final boolean singleActiveConsumer;
  final int publisherChannels;

  /** Where exactly-once consumers record what they handled: {@code memory} or a JDBC URL. */
  final String idempotencyStore;

  /** How long a handled id is remembered: 10 minutes in memory, 7 days in a database. */
  final Duration idempotencyRetention;

  /** {@code amqp.tls.*}: the TLS of an {@code amqps://} URL; null for {@code amqp://}. */
  final Tls tls;

  AmqpConfig(MqConfig common) {
    this.common = common;
    ConfigSection s = common.section(AmqpProvider.NAME);
    s.rejectUnknownKeys(
        Set.of(
            URL,
            ADDRESSES,
            QUEUE_TYPE,
            PREFETCH,
            MANAGEMENT_URL,
            SINGLE_ACTIVE_CONSUMER,
            PUBLISHER_CHANNELS,
            IDEMPOTENCY_STORE,
            IDEMPOTENCY_RETENTION_MS,
            TLS_CA_FILE,
            TLS_CERT_FILE,
            TLS_KEY_FILE,
            TLS_KEY_STORE,
            TLS_KEY_STORE_PASSWORD_FILE,
            TLS_VERIFY_HOSTNAME,
            TLS_SASL));
    List<URI> urls = brokerUris(s);
    this.url = urls.get(0);
    this.addresses = addresses(s, urls);
    this.listed = urls.size() > 1 || s.string(ADDRESSES).isPresent();
    // As written, not as parsed: an invalid amqps:// URL is reported as such, not as amqp://.
    this.tls =
        Tls.read(
            s,
            s.string(URL)
                .map(v -> v.trim().toLowerCase(Locale.ROOT).startsWith("amqps:"))
                .orElse(false));
    String[] credentials = credentials(url);
    this.user = credentials[0];
    this.password = credentials[1];
    if (url.getRawUserInfo() != null && password.isEmpty() && !externalLogin()) {
      s.problem(
          URL,
          "a password after the user ('amqp://user:password@host'): RabbitMQ refuses an empty or"
              + " missing password");
    }
    this.maxInboundBodyBytes = common.maxMessageBytes();
    this.queueType = s.string(QUEUE_TYPE, "classic").trim().toLowerCase(Locale.ROOT);
    if (!Set.of("classic", "quorum").contains(queueType)) {
      s.problem(QUEUE_TYPE, "classic or quorum");
    }
    this.prefetch = s.integer(PREFETCH, 100, 1, 65_535);
    String host = addresses.get(0).getHost();
    this.managementUrl =
        uri(
            s,
            MANAGEMENT_URL,
            url.getScheme().equals("amqps")
                ? "https://" + host + ":15671"
                : "http://" + host + ":15672",
            "http",
            "https");
    this.requiredGroups = common.declaredGroups();
    this.singleActiveConsumer = s.bool(SINGLE_ACTIVE_CONSUMER, false);
    this.publisherChannels = s.integer(PUBLISHER_CHANNELS, 4, 1, 256);
    this.idempotencyStore = s.string(IDEMPOTENCY_STORE, IdempotencyStores.MEMORY).trim();
    this.idempotencyRetention =
        s.millis(
            IDEMPOTENCY_RETENTION_MS,
            idempotencyStore.equals(IdempotencyStores.MEMORY)
                ? Duration.ofMinutes(10)
                : Duration.ofDays(7),
            Duration.ZERO,
            Duration.ofDays(90));
    s.throwIfInvalid();
  }

  /**
   * {@code amqp.url}: one URL, or several separated by commas (the nodes of a cluster), each
   * refused unless {@link URI} finds its host and, when it has an {@code @}, its user-info: a
   * password with a raw {@code @} or {@code /} would otherwise move the host, and the client would
   * connect elsewhere than the URL says (its default: localhost as guest). Several URLs must agree
   * on everything but host and port: one connection logs in to whichever node it reaches.
   */
  private static List<URI> brokerUris(ConfigSection s) {
    String fallback = "amqp://guest:guest@127.0.0.1:5672";
    String value = s.string(URL, fallback).trim();
    List<URI> uris = new ArrayList<>();
    // A comma only separates URLs before a scheme: a raw ',' is legal in a password.
    for (String part : value.split("\\s*,\\s*(?=amqps?://)")) {
      URI uri = brokerUri(part.trim());
      if (uri == null) {
        s.problem(
            URL,
            "amqp://user:password@host[:port][/vhost] or amqps://..., with a host and with '@',"
                + " '/', ':', '%' and other reserved characters of the user and password"
                + " percent-encoded ('%40' for '@', '%2F' for '/', '%3A' for ':', '%2C' for ','"
                + " in a virtual host); for the nodes"
                + " of a cluster, whole URLs separated by commas"
                + " (amqp://user:password@host1:5672/vhost,amqp://user:password@host2:5672/vhost)"
                + " or one URL and amqp.addresses=host1:5672,host2:5672");
        return List.of(URI.create(fallback));
      }
      uris.add(uri);
    }
    URI first = uris.get(0);
    List<String> differing = new ArrayList<>();
    if (uris.stream().anyMatch(u -> !u.getScheme().equals(first.getScheme()))) {
      differing.add("scheme");
    }
    if (uris.stream().anyMatch(u -> !same(u.getRawUserInfo(), first.getRawUserInfo()))) {
      differing.add("user or password");
    }
    if (uris.stream().anyMatch(u -> !vhost(u).equals(vhost(first)))) {
      differing.add("virtual host");
    }
    if (uris.stream().anyMatch(u -> !same(u.getRawQuery(), first.getRawQuery()))) {
      differing.add("parameters");
    }
    if (!differing.isEmpty()) {
      s.addProblem(
          "'amqp."
              + URL
              + "' ("
              + s.sourceOf(URL)
              + ") lists "
              + uris.size()
              + " URLs whose "
              + String.join(", ", differing)
              + " differ; the nodes of one cluster are reached with the same scheme, user,"
              + " password, virtual host and parameters: write them alike, or give one URL and"
              + " list the nodes in amqp.addresses=host1:5672,host2:5672");
    }
    return uris;
  }

  /** One URL of {@code amqp.url}, or null when it is not one (see {@link #brokerUris}). */
  private static URI brokerUri(String value) {
    try {
      URI uri = new URI(value);
      boolean scheme = uri.getScheme() != null && Set.of("amqp", "amqps").contains(uri.getScheme());
      boolean hostFound = uri.getHost() != null;
      // Every '@' must be the one that ends the user-info, or the host is not what it seems.
      boolean userFound =
          value.indexOf('@') < 0
              || (uri.getRawUserInfo() != null && value.indexOf('@') == value.lastIndexOf('@'));
      // A raw ',' in the virtual host is a list of nodes written as one URL ("/vh,host2:5672").
      boolean oneVhost = uri.getRawPath() == null || !uri.getRawPath().contains(",");
      return scheme && hostFound && userFound && oneVhost ? uri : null;
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private static boolean same(String a, String b) {
    return a == null ? b == null : a.equals(b);
  }

  /**
   * The nodes: {@code amqp.addresses} ({@code host[:port]} separated by commas) when set, else the
   * host and port of each URL; the default port is the scheme's (5672, or 5671 for amqps).
   */
  private static List<Address> addresses(ConfigSection s, List<URI> urls) {
    int defaultPort = urls.get(0).getScheme().equals("amqps") ? 5671 : 5672;
    Optional<String> list = s.string(ADDRESSES);
    if (list.isEmpty()) {
      return urls.stream()
          .map(u -> new Address(u.getHost(), u.getPort() == -1 ? defaultPort : u.getPort()))
          .toList();
    }
    if (urls.size() > 1) {
      s.addProblem(
          "'amqp."
              + ADDRESSES
              + "' ("
              + s.sourceOf(ADDRESSES)
              + ") and the "
              + urls.size()
              + " URLs of 'amqp."
              + URL
              + "' ("
              + s.sourceOf(URL)
              + ") both name the nodes to connect to; set one: several URLs, or one URL (for the"
              + " user, password and virtual host) and amqp.addresses");
    }
    String accepted =
        "host[:port] of each node, separated by commas (e.g. rabbit1:5672,rabbit2:5672,[::1]:5673),"
            + " without user, password or virtual host (those come from amqp.url); the port is 1"
            + " to 65535, "
            + defaultPort
            + " when left out";
    List<Address> addresses = new ArrayList<>();
    List<String> bad = new ArrayList<>();
    String[] entries = list.get().split(",", -1);
    for (int i = 0; i < entries.length; i++) {
      String entry = entries[i].trim();
      Address address = address(entry, defaultPort);
      if (address == null) {
        bad.add(
            "entry "
                + (i + 1)
                + (entry.isEmpty() ? " is empty" : " ('" + Redaction.url(entry) + "') is not one"));
      } else if (addresses.contains(address)) {
        bad.add("entry " + (i + 1) + " repeats " + address);
      } else {
        addresses.add(address);
      }
    }
    if (!bad.isEmpty()) {
      s.problem(ADDRESSES, accepted + "; " + String.join(", ", bad));
      return urls.stream()
          .map(u -> new Address(u.getHost(), u.getPort() == -1 ? defaultPort : u.getPort()))
          .toList();
    }
    return List.copyOf(addresses);
  }

  /** {@code host[:port]}, or null when it is something else (a URL, user-info, a path...). */
  private static Address address(String entry, int defaultPort) {
    if (entry.isEmpty() || entry.contains("@") || entry.contains("/") || entry.contains("?")) {
      return null;
    }
    try {
      URI uri = new URI("amqp://" + entry);
      if (uri.getHost() == null || entry.endsWith(":")) {
        return null;
      }
      int port = uri.getPort() == -1 ? defaultPort : uri.getPort();
      return port >= 1 && port <= 65_535 ? new Address(uri.getHost(), port) : null;
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private static URI uri(ConfigSection s, String key, String fallback, String... schemes) {
    String value = s.string(key, fallback).trim();
    try {
      URI uri = new URI(value);
      if (uri.getScheme() != null
          && Set.of(schemes).contains(uri.getScheme())
          && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    s.problem(key, "a URL with a host, starting with " + String.join("://, ", schemes) + "://");
    return URI.create(fallback);
  }

  /**
   * The user and password of {@code url}: user-info split at its first ':', each half
   * percent-decoded; guest/guest when the URL has none, as RabbitMQ's default user.
   */
  private static String[] credentials(URI url) {
    String info = url.getRawUserInfo();
    if (info == null) {
      return new String[] {"guest", "guest"};
    }
    int colon = info.indexOf(':');
    return colon < 0
        ? new String[] {decode(info), ""}
        : new String[] {decode(info.substring(0, colon)), decode(info.substring(colon + 1))};
  }

  /** Percent-decoding only: '+' stays '+', as in any URL's user-info. */
  private static String decode(String raw) {
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** The virtual host of {@link #url}: the path without its slash, "/" when empty. */
  String virtualHost() {
    return vhost(url);
  }

  private static String vhost(URI url) {
    String path = url.getPath(); // percent-decoded by URI, '+' kept as amqp-client does
    return path == null || path.isEmpty() || path.equals("/") ? "/" : path.substring(1);
  }

  /** The hosts of {@link #addresses}, quoted, for messages: {@code 'rabbit1', 'rabbit2'}. */
  String hosts() {
    return addresses.stream()
        .map(a -> "'" + a.getHost() + "'")
        .distinct()
        .collect(Collectors.joining(", "));
  }

  /** The ports of {@link #addresses}, for messages: {@code 5672, 5673}. */
  String ports() {
    return addresses.stream()
        .map(a -> Integer.toString(a.getPort()))
        .distinct()
        .collect(Collectors.joining(", "));
  }

  /** Whether the broker is logged in to with the client certificate ({@code amqp.tls.sasl}). */
  boolean externalLogin() {
    return tls != null && tls.external;
  }

  /** The user and password of {@link #url} (guest/guest when absent). */
  String[] credentials() {
    return new String[] {user, password};
  }

  /**
   * The broker's address without credentials, for messages: {@code amqp.url} redacted, or for a
   * list of nodes {@code amqp://user:****@host1:5672,host2:5672/vhost}.
   */
  String where() {
    if (!listed) {
      return Redaction.url(url.toString());
    }
    String info = url.getRawUserInfo();
    String login =
        info == null
            ? ""
            : (info.contains(":")
                    ? info.substring(0, info.indexOf(':')) + ":" + Redaction.MASK
                    : info)
                + "@";
    return url.getScheme()
        + "://"
        + login
        + addresses.stream()
            .map(a -> a.getHost() + ":" + a.getPort())
            .collect(Collectors.joining(","))
        + (url.getRawPath() == null ? "" : url.getRawPath());
  }

  /** The management API's address without credentials, for messages. */
  String managementWhere() {
    return Redaction.url(managementUrl.toString());
  }

  /**
   * The TLS of an {@code amqps://} connection, read from {@code amqp.tls.*}: whom to trust, which
   * client certificate to present, whether the host name is checked and how to log in. Every file
   * is read and parsed here, so a bad one is a configuration error naming its key (and its path,
   * unless the key is secret); a password is held only while the key store is opened.
   */
  static final class Tls {
    private static final List<String> KEYS =
        List.of(
            TLS_CA_FILE,
            TLS_CERT_FILE,
            TLS_KEY_FILE,
            TLS_KEY_STORE,
            TLS_KEY_STORE_PASSWORD_FILE,
            TLS_VERIFY_HOSTNAME,
            TLS_SASL);

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

    private Tls(
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
    static Tls read(ConfigSection s, boolean amqps) {
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
      boolean verifyHostname = s.bool(TLS_VERIFY_HOSTNAME, true);
      String sasl = s.string(TLS_SASL, "plain").trim().toLowerCase(Locale.ROOT);
      if (!Set.of("plain", "external").contains(sasl)) {
        s.problem(
            TLS_SASL,
            "plain (the user and password of amqp.url) or external (the client certificate of"
                + " amqp.tls.cert_file or amqp.tls.key_store)");
      }
      boolean external = sasl.equals("external");
      boolean clientCertificate =
          present.contains(TLS_CERT_FILE)
              || present.contains(TLS_KEY_FILE)
              || present.contains(TLS_KEY_STORE);
      if (external && !clientCertificate) {
        s.addProblem(
            "'amqp.tls.sasl' = 'external' ("
                + s.sourceOf(TLS_SASL)
                + ") logs in with the client certificate, but none is set: set amqp.tls.cert_file"
                + " and amqp.tls.key_file, or amqp.tls.key_store and"
                + " amqp.tls.key_store_password_file");
      }
      TrustManager[] trust = trustManagers(s, verifyHostname);
      KeyManager[] keys = keyManagers(s);
      try {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys, trust, null);
        return new Tls(
            context,
            verifyHostname,
            external,
            s.string(TLS_CA_FILE).map(String::trim).orElse(null),
            keys != null);
      } catch (GeneralSecurityException e) {
        s.addProblem(
            "amqp.tls.*: this JVM cannot set up TLS (" + e.getClass().getSimpleName() + ")");
        return null;
      }
    }

    /** Trust in {@code amqp.tls.ca_file}'s certificates, or in the JVM's trust store. */
    private static TrustManager[] trustManagers(ConfigSection s, boolean verifyHostname) {
      KeyStore anchors = null;
      Path ca = file(s, TLS_CA_FILE, "a readable PEM file of the CA certificates to trust");
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
              TLS_CA_FILE,
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
      boolean pem = s.string(TLS_CERT_FILE).isPresent() || s.string(TLS_KEY_FILE).isPresent();
      boolean store =
          s.string(TLS_KEY_STORE).isPresent() || s.string(TLS_KEY_STORE_PASSWORD_FILE).isPresent();
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
      if (s.string(TLS_CERT_FILE).isEmpty() || s.string(TLS_KEY_FILE).isEmpty()) {
        s.addProblem(
            "amqp.tls.cert_file and amqp.tls.key_file go together: the client certificate (PEM,"
                + " followed by its intermediate CAs if any) and its private key (PEM, unencrypted"
                + " PKCS#8, '-----BEGIN PRIVATE KEY-----'); one of them is missing");
        return null;
      }
      Path certFile = file(s, TLS_CERT_FILE, "a readable PEM file of the client certificate");
      Path keyFile = file(s, TLS_KEY_FILE, "a readable PEM file of the client's private key");
      if (certFile == null || keyFile == null) {
        return null;
      }
      List<X509Certificate> chain;
      try {
        chain = certificates(certFile);
      } catch (IOException | GeneralSecurityException e) {
        s.problem(
            TLS_CERT_FILE,
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
            TLS_KEY_FILE,
            "the private key of the certificate in amqp.tls.cert_file ("
                + e.getClass().getSimpleName()
                + ")");
        return null;
      }
    }

    private static KeyManager[] keyStoreManagers(ConfigSection s) {
      if (s.string(TLS_KEY_STORE).isEmpty() || s.string(TLS_KEY_STORE_PASSWORD_FILE).isEmpty()) {
        s.addProblem(
            "amqp.tls.key_store and amqp.tls.key_store_password_file go together: a PKCS12 key"
                + " store with the client certificate and its key, and a file holding its password;"
                + " one of them is missing");
        return null;
      }
      Path storeFile = file(s, TLS_KEY_STORE, "a readable PKCS12 key store");
      Path passwordFile =
          file(s, TLS_KEY_STORE_PASSWORD_FILE, "a readable file holding the key store's password");
      if (storeFile == null || passwordFile == null) {
        return null;
      }
      char[] password;
      try {
        // One line: a trailing line break is not part of the password.
        password = Files.readString(passwordFile).replaceAll("\\R+$", "").toCharArray();
      } catch (IOException e) {
        s.problem(TLS_KEY_STORE_PASSWORD_FILE, "a readable UTF-8 file holding the password");
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
            TLS_KEY_STORE,
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
        s.problem(TLS_KEY_FILE, "a readable PEM file of the client's private key");
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
              return KeyFactory.getInstance(algorithm)
                  .generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
              // try the next algorithm
            }
          }
        } finally {
          Arrays.fill(der, (byte) 0);
        }
      }
      s.problem(
          TLS_KEY_FILE,
          "an unencrypted PKCS#8 PEM key ('-----BEGIN PRIVATE KEY-----', RSA, EC or EdDSA); convert"
              + " another form with: openssl pkcs8 -topk8 -nocrypt -in <key> -out <new key>");
      return null;
    }
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
