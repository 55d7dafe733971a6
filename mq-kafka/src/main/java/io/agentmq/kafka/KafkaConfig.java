package io.agentmq.kafka;

import io.agentmq.api.ConfigSection;
import io.agentmq.api.MqConfig;
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
 * with their defaults in one place. Any Kafka client property can be passed through as {@code
 * kafka.client.<property>} (e.g. {@code kafka.client.security.protocol}); values of secret
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
  static final String CLIENT_PREFIX = "client.";

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
            MAX_QUEUED_PER_PARTITION);
    for (String key : s.keys()) {
      if (key.startsWith(CLIENT_PREFIX)) {
        clientProperties.put(key.substring(CLIENT_PREFIX.length()), s.string(key, ""));
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
    } else if (!servers.matches("[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*")) {
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
    StringBuilder out = new StringBuilder("kafka{bootstrap_servers=").append(bootstrapServers);
    clientProperties.forEach(
        (k, v) -> out.append(", ").append(k).append('=').append(ConfigSection.redact(k, v)));
    return out.append('}').toString();
  }
}
