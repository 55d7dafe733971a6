package io.agentmq.kafka;

import io.agentmq.api.ConfigSection;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Redaction;
import io.agentmq.api.StartPosition;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Settings of the Kafka backend, read from {@code kafka.*} and the common settings, validated here,
 * with their defaults in one place. Any Kafka client property AgentMQ does not set itself can be
 * passed through as {@code kafka.client.<property>} (e.g. {@code kafka.client.security.protocol});
 * the ones it sets are refused, naming the AgentMQ setting to use instead. Values of secret
 * properties never appear in logs or errors.
 */
final class KafkaConfig {
  static final String BOOTSTRAP_SERVERS = "bootstrap_servers";
  static final String BATCH_SIZE = "batch_size";
  static final String LINGER_MS = "linger_ms";
  static final String COMPRESSION = "compression";
  static final String ACKS = "acks";
  static final String POLL_TIMEOUT_MS = "poll_timeout_ms";
  static final String MAX_POLL_INTERVAL_MS = "max_poll_interval_ms";
  static final String REQUEST_TIMEOUT_MS = "request_timeout_ms";
  static final String MAX_QUEUED_PER_PARTITION = "max_queued_per_partition";
  static final String MAX_QUEUED_BYTES_PER_PARTITION = "max_queued_bytes_per_partition";
  static final String CLIENT_PREFIX = "client.";

  private static final String SERIALIZER_USE =
      "AgentMQ sends and receives bytes; encode payloads with a codec (mq-serialization)";

  /**
   * Client properties AgentMQ sets itself, each with what to use instead: one passed through would
   * void a guarantee (commits after handling, read_committed, idempotence, one group per
   * subscription) or silently override an AgentMQ setting that other parts rely on.
   */
  static final Map<String, String> RESERVED_CLIENT_PROPERTIES =
      Map.ofEntries(
          Map.entry(
              "group.id",
              "the group comes from Subscription.group(..) (subscribe(topic, group, ...))"),
          Map.entry(
              "enable.auto.commit",
              "AgentMQ commits offsets itself, after handling (before it for delivery_mode"
                  + " at_most_once); choose delivery_mode"),
          Map.entry(
              "isolation.level",
              "consumers always read read_committed, so records of aborted transactions are never"
                  + " handled"),
          Map.entry(
              "transactional.id",
              "set delivery_mode=exactly_once: AgentMQ gives each consumer's producers their own"
                  + " transactional ids"),
          Map.entry("enable.idempotence", "set kafka.acks: all (the default) turns idempotence on"),
          Map.entry("acks", "set kafka.acks"),
          Map.entry("key.serializer", SERIALIZER_USE),
          Map.entry("value.serializer", SERIALIZER_USE),
          Map.entry("key.deserializer", SERIALIZER_USE),
          Map.entry("value.deserializer", SERIALIZER_USE),
          Map.entry("auto.offset.reset", "set consumer.start_from (earliest or latest)"),
          Map.entry("bootstrap.servers", "set kafka.bootstrap_servers (KAFKA_BOOTSTRAP_SERVERS)"),
          Map.entry("max.request.size", "set producer.max_message_bytes"),
          Map.entry("delivery.timeout.ms", "set producer.send_timeout_ms"),
          Map.entry("max.block.ms", "set producer.send_timeout_ms"),
          Map.entry("max.poll.interval.ms", "set kafka.max_poll_interval_ms"),
          Map.entry("request.timeout.ms", "set kafka.request_timeout_ms"),
          Map.entry("default.api.timeout.ms", "set kafka.request_timeout_ms"),
          Map.entry("batch.size", "set kafka.batch_size"),
          Map.entry("linger.ms", "set kafka.linger_ms"),
          Map.entry("compression.type", "set kafka.compression"));

  final MqConfig common;
  final String bootstrapServers;
  final int batchSize;
  final Duration linger;
  final String compression;
  final String acks;
  final Duration pollTimeout;
  final Duration maxPollInterval;
  final Duration requestTimeout;
  final int maxQueuedPerPartition;
  final long maxQueuedBytesPerPartition;
  private final Map<String, String> clientProperties = new HashMap<>();

  KafkaConfig(MqConfig common) {
    this.common = common;
    ConfigSection s = common.section(KafkaProvider.NAME);
    Set<String> known =
        Set.of(
            BOOTSTRAP_SERVERS,
            BATCH_SIZE,
            LINGER_MS,
            COMPRESSION,
            ACKS,
            POLL_TIMEOUT_MS,
            MAX_POLL_INTERVAL_MS,
            REQUEST_TIMEOUT_MS,
            MAX_QUEUED_PER_PARTITION,
            MAX_QUEUED_BYTES_PER_PARTITION);
    for (String key : s.keys()) {
      if (key.startsWith(CLIENT_PREFIX)) {
        String property = key.substring(CLIENT_PREFIX.length());
        String instead = RESERVED_CLIENT_PROPERTIES.get(property);
        if (instead != null) {
          s.addProblem(
              "'kafka."
                  + key
                  + "' ("
                  + s.sourceOf(key)
                  + ") is reserved: AgentMQ sets "
                  + property
                  + " itself; "
                  + instead);
        }
        clientProperties.put(property, s.string(key, ""));
      }
    }
    Set<String> accepted = new HashSet<>(known);
    clientProperties.keySet().forEach(k -> accepted.add(CLIENT_PREFIX + k));
    s.rejectUnknownKeys(accepted, "kafka.client.<any Kafka client property>");
    String servers = s.string(BOOTSTRAP_SERVERS, "").trim();
    if (servers.isEmpty()) {
      s.addProblem(
          "'kafka.bootstrap_servers' (environment variable KAFKA_BOOTSTRAP_SERVERS) is not set;"
              + " expected host:port[,host:port...] of the Kafka brokers");
    } else if (!servers.matches("[^,\\s@/]+:\\d+(,[^,\\s@/]+:\\d+)*")) {
      s.problem(BOOTSTRAP_SERVERS, "host:port[,host:port...]");
    }
    this.bootstrapServers = servers;
    this.batchSize = s.integer(BATCH_SIZE, 16_384, 0, 64 << 20);
    this.linger = s.millis(LINGER_MS, Duration.ofMillis(5), Duration.ZERO, Duration.ofMinutes(1));
    this.compression = s.string(COMPRESSION, "lz4").trim().toLowerCase(Locale.ROOT);
    if (!Set.of("none", "gzip", "snappy", "lz4", "zstd").contains(compression)) {
      s.problem(COMPRESSION, "one of none, gzip, snappy, lz4, zstd");
    }
    this.acks = s.string(ACKS, "all").trim().toLowerCase(Locale.ROOT);
    if (!Set.of("all", "1", "0").contains(acks)) {
      s.problem(ACKS, "one of all, 1, 0");
    }
    this.pollTimeout =
        s.millis(
            POLL_TIMEOUT_MS, Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofMinutes(1));
    this.maxPollInterval =
        s.millis(
            MAX_POLL_INTERVAL_MS,
            Duration.ofMinutes(5),
            Duration.ofSeconds(1),
            Duration.ofHours(1));
    this.requestTimeout =
        s.millis(
            REQUEST_TIMEOUT_MS,
            Duration.ofSeconds(30),
            Duration.ofSeconds(1),
            Duration.ofMinutes(10));
    this.maxQueuedPerPartition = s.integer(MAX_QUEUED_PER_PARTITION, 1000, 1, 1_000_000);
    this.maxQueuedBytesPerPartition =
        s.longValue(MAX_QUEUED_BYTES_PER_PARTITION, 16L << 20, 1, 1L << 40);
    s.throwIfInvalid();
  }

  private Map<String, Object> base() {
    Map<String, Object> p = new HashMap<>();
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.putAll(clientProperties);
    return p;
  }

  Map<String, Object> producerProperties() {
    Map<String, Object> p = base();
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, acks);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, acks.equals("all"));
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, batchSize);
    p.put(ProducerConfig.LINGER_MS_CONFIG, (int) linger.toMillis());
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    long send = common.sendTimeout().toMillis();
    // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms.
    long request = Math.min(requestTimeout.toMillis(), Math.max(1, send - linger.toMillis()));
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) request);
    p.put(
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
        (int) Math.max(send, linger.toMillis() + request));
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, send);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, common.maxMessageBytes() + 4096);
    p.putAll(clientProperties);
    return p;
  }

  /** A transactional producer's properties: fenced by {@code transactionalId} when replaced. */
  Map<String, Object> transactionalProducerProperties(String transactionalId) {
    Map<String, Object> p = producerProperties();
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return p;
  }

  /**
   * Consumers read {@code read_committed} always: they never see records of aborted transactions,
   * and for data written without transactions it makes no difference.
   */
  Map<String, Object> consumerProperties(String group, StartPosition startFrom) {
    Map<String, Object> p = base();
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
        startFrom == StartPosition.EARLIEST ? "earliest" : "latest");
    p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) maxPollInterval.toMillis());
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) requestTimeout.toMillis());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.putAll(clientProperties);
    return p;
  }

  Map<String, Object> adminProperties() {
    Map<String, Object> p = base();
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) requestTimeout.toMillis());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) requestTimeout.toMillis());
    p.putAll(clientProperties);
    return p;
  }

  /** The bootstrap servers and non-secret client properties, for messages. */
  @Override
  public String toString() {
    StringBuilder out =
        new StringBuilder("kafka{bootstrap_servers=").append(Redaction.url(bootstrapServers));
    clientProperties.forEach(
        (k, v) -> out.append(", ").append(k).append('=').append(Redaction.value(k, v)));
    return out.append('}').toString();
  }
}
