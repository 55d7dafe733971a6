package io.agentmq.amqp;

import com.rabbitmq.client.Address;
import io.agentmq.api.ConfigSection;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Redaction;
import io.agentmq.spi.IdempotencyStores;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Settings of the RabbitMQ backend, read from {@code amqp.*} and the common settings, validated
 * here with their defaults. {@code amqp.url} is parsed once, here, into the nodes, virtual host and
 * credentials the connection uses; its password never appears in logs or errors. The nodes of a
 * cluster are listed in {@code amqp.addresses} or as several URLs in {@code amqp.url}. The {@code
 * amqp.tls.*} settings of an {@code amqps://} URL become a {@link AmqpTls}, files read here.
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
  final AmqpTls tls;

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
        AmqpTls.read(
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
}
