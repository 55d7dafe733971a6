package io.agentmq.amqp;

import io.agentmq.api.ConfigSection;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Redaction;
import io.agentmq.spi.IdempotencyStores;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Settings of the RabbitMQ backend, read from {@code amqp.*} and the common settings, validated
 * here with their defaults. {@code amqp.url} is parsed once, here, into the host, port, virtual
 * host and credentials the connection uses; its password never appears in logs or errors.
 */
final class AmqpConfig {
  static final String URL = "url";
  static final String QUEUE_TYPE = "queue_type";
  static final String PREFETCH = "prefetch";
  static final String MANAGEMENT_URL = "management_url";
  static final String SINGLE_ACTIVE_CONSUMER = "single_active_consumer";
  static final String PUBLISHER_CHANNELS = "publisher_channels";
  static final String IDEMPOTENCY_STORE = "idempotency_store";
  static final String IDEMPOTENCY_RETENTION_MS = "idempotency_retention_ms";

  /** The group whose queue keeps every dead letter of a topic, declared with the topic. */
  static final String KEPT_GROUP = "kept";

  final MqConfig common;
  final URI url;
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

  AmqpConfig(MqConfig common) {
    this.common = common;
    ConfigSection s = common.section(AmqpProvider.NAME);
    s.rejectUnknownKeys(
        Set.of(
            URL,
            QUEUE_TYPE,
            PREFETCH,
            MANAGEMENT_URL,
            SINGLE_ACTIVE_CONSUMER,
            PUBLISHER_CHANNELS,
            IDEMPOTENCY_STORE,
            IDEMPOTENCY_RETENTION_MS));
    this.url = brokerUri(s);
    String[] credentials = credentials(url);
    this.user = credentials[0];
    this.password = credentials[1];
    if (url.getRawUserInfo() != null && password.isEmpty()) {
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
    String host = url.getHost();
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
   * {@code amqp.url}, refused unless {@link URI} finds its host and, when it has an {@code @}, its
   * user-info: a password with a raw {@code @} or {@code /} would otherwise move the host, and the
   * client would connect elsewhere than the URL says (its default: localhost as guest).
   */
  private static URI brokerUri(ConfigSection s) {
    String fallback = "amqp://guest:guest@127.0.0.1:5672";
    String value = s.string(URL, fallback).trim();
    try {
      URI uri = new URI(value);
      boolean scheme = uri.getScheme() != null && Set.of("amqp", "amqps").contains(uri.getScheme());
      boolean hostFound = uri.getHost() != null;
      // Every '@' must be the one that ends the user-info, or the host is not what it seems.
      boolean userFound =
          value.indexOf('@') < 0
              || (uri.getRawUserInfo() != null && value.indexOf('@') == value.lastIndexOf('@'));
      if (scheme && hostFound && userFound) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    s.problem(
        URL,
        "amqp://user:password@host[:port][/vhost] or amqps://..., with a host and with '@', '/',"
            + " ':', '%' and other reserved characters of the user and password percent-encoded"
            + " ('%40' for '@', '%2F' for '/', '%3A' for ':')");
    return URI.create(fallback);
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
    String path = url.getPath(); // percent-decoded by URI, '+' kept as amqp-client does
    return path == null || path.isEmpty() || path.equals("/") ? "/" : path.substring(1);
  }

  /** The user and password of {@link #url} (guest/guest when absent). */
  String[] credentials() {
    return new String[] {user, password};
  }

  /** The broker's address without credentials, for messages. */
  String where() {
    return Redaction.url(url.toString());
  }

  /** The management API's address without credentials, for messages. */
  String managementWhere() {
    return Redaction.url(managementUrl.toString());
  }
}
