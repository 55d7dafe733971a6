package io.agentmq.amqp;

import io.agentmq.api.ConfigSection;
import io.agentmq.api.MqConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Settings of the RabbitMQ backend, read from {@code amqp.*} and the common settings, validated
 * here with their defaults. The password in {@code amqp.url} never appears in logs or errors.
 */
final class AmqpConfig {
  static final String URL = "url";
  static final String QUEUE_TYPE = "queue_type";
  static final String PREFETCH = "prefetch";
  static final String MANAGEMENT_URL = "management_url";
  static final String SINGLE_ACTIVE_CONSUMER = "single_active_consumer";
  static final String PUBLISHER_CHANNELS = "publisher_channels";
  static final String DEDUP_WINDOW_MS = "dedup_window_ms";

  /** The group whose queue keeps every dead letter of a topic, declared with the topic. */
  static final String KEPT_GROUP = "kept";

  final MqConfig common;
  final URI url;
  final String queueType;
  final int prefetch;
  final URI managementUrl;

  /** {@code topics.<topic>.groups}: their queues are declared with the topic. */
  final Map<String, List<String>> requiredGroups;

  final boolean singleActiveConsumer;
  final int publisherChannels;
  final Duration dedupWindow;

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
            DEDUP_WINDOW_MS));
    this.url = uri(s, URL, "amqp://guest:guest@127.0.0.1:5672", "amqp", "amqps");
    this.queueType = s.string(QUEUE_TYPE, "classic").trim().toLowerCase(Locale.ROOT);
    if (!Set.of("classic", "quorum").contains(queueType)) {
      s.problem(QUEUE_TYPE, "classic or quorum");
    }
    this.prefetch = s.integer(PREFETCH, 100, 1, 65_535);
    String host = url.getHost() == null ? "127.0.0.1" : url.getHost();
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
    this.dedupWindow =
        s.millis(DEDUP_WINDOW_MS, Duration.ofMinutes(10), Duration.ZERO, Duration.ofDays(7));
    s.throwIfInvalid();
  }

  private static URI uri(ConfigSection s, String key, String fallback, String... schemes) {
    String value = s.string(key, fallback).trim();
    try {
      URI uri = new URI(value);
      if (uri.getScheme() != null && Set.of(schemes).contains(uri.getScheme())) {
        return uri;
      }
    } catch (java.net.URISyntaxException e) {
      // reported below
    }
    s.problem(key, "a URL starting with " + String.join("://, ", schemes) + "://");
    try {
      return new URI(fallback);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The virtual host of {@link #url}: the path without its slash, "/" when empty. */
  String virtualHost() {
    String path = url.getPath(); // percent-decoded by URI, '+' kept as amqp-client does
    return path == null || path.isEmpty() || path.equals("/") ? "/" : path.substring(1);
  }

  /** The user and password of {@link #url} (guest/guest when absent). */
  String[] credentials() {
    String info = url.getUserInfo(); // percent-decoded by URI, '+' kept as amqp-client does
    if (info == null) {
      return new String[] {"guest", "guest"};
    }
    String[] parts = info.split(":", 2);
    return new String[] {parts[0], parts.length > 1 ? parts[1] : ""};
  }

  /** The broker's address without credentials, for messages. */
  String where() {
    return ConfigSection.redactUrlPassword(url.toString());
  }
}
