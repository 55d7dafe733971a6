package io.agentmq.api;

import io.agentmq.api.ConfigSection.Setting;
import io.agentmq.api.crypto.PayloadEncryption;
import io.agentmq.spi.MessageQueueProvider;
import io.agentmq.spi.MessageQueueProviders;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * AgentMQ configuration: validated, immutable, thread-safe.
 *
 * <p>Values come from four layers, lowest first: built-in defaults &lt; a YAML or JSON file ({@code
 * MQ_CONFIG} or {@link Builder#file}) &lt; environment variables &lt; programmatic overrides
 * ({@link Builder#set}). Keys are snake_case and nested in files ({@code retry:
 * {initial_backoff_ms: 50}}) or dotted in code ({@code retry.initial_backoff_ms}). Environment
 * variables map by one rule, {@code MQ_<SECTION>_<KEY>} to {@code section.key} ({@code
 * MQ_RETRY_INITIAL_BACKOFF_MS}; a double underscore for a deeper dot), plus the aliases a backend
 * or an application declares ({@code KAFKA_BOOTSTRAP_SERVERS}). A bad value or an unknown key fails
 * {@link Builder#build()} with a {@link ConfigException} that names the key, the source, the value
 * and what is accepted. Secrets never appear in {@link #toString()} or errors.
 *
 * <p>The configuration is open: each installed backend owns the section it declares ({@link
 * MessageQueueProvider#configSection()}, e.g. {@code kafka.*}) and an application registers its own
 * ({@link Builder#section}); their owners read and validate them through {@link #section(String)}.
 */
public final class MqConfig {
  public static final String BROKER_TYPE = "broker_type";
  public static final String DELIVERY_MODE = "delivery_mode";
  public static final String MAX_RETRIES = "max_retries";
  public static final String ENABLE_DEAD_LETTER = "enable_dead_letter";
  public static final String RETRY_INITIAL_BACKOFF_MS = "retry.initial_backoff_ms";
  public static final String RETRY_MAX_BACKOFF_MS = "retry.max_backoff_ms";
  public static final String RETRY_MULTIPLIER = "retry.multiplier";
  public static final String RETRY_JITTER = "retry.jitter";
  public static final String RETRY_IN_PLACE = "retry.in_place";
  public static final String SEND_TIMEOUT_MS = "producer.send_timeout_ms";
  public static final String MAX_MESSAGE_BYTES = "producer.max_message_bytes";
  public static final String CONSUMER_CONCURRENCY = "consumer.concurrency";
  public static final String CONSUMER_START_FROM = "consumer.start_from";
  public static final String CONSUMER_CLOSE_TIMEOUT_MS = "consumer.close_timeout_ms";
  public static final String CONSUMER_STALL_TIMEOUT_MS = "consumer.stall_timeout_ms";
  public static final String TOPIC_DEFAULT_PARTITIONS = "topic_defaults.partitions";
  public static final String TOPIC_DEFAULT_REPLICATION_FACTOR = "topic_defaults.replication_factor";
  public static final String TOPIC_DEFAULT_RETENTION_MS = "topic_defaults.retention_ms";
  public static final String ENCRYPTION_ENABLED = "encryption.enabled";
  public static final String ENCRYPTION_REQUIRE = "encryption.require";
  public static final String ENCRYPTION_CURRENT_KEY_ID = "encryption.current_key_id";
  public static final String ENCRYPTION_KEY_FILES = "encryption.key_files";
  public static final String ENCRYPTION_KEYSTORE_PATH = "encryption.keystore.path";
  public static final String ENCRYPTION_KEYSTORE_PASSWORD_FILE =
      "encryption.keystore.password_file";

  /** The key store's password: from the environment or an override, never from the file. */
  public static final String ENCRYPTION_KEYSTORE_PASSWORD = "encryption.keystore.password";

  /** Environment variable naming the configuration file. */
  public static final String CONFIG_FILE_VARIABLE = "MQ_CONFIG";

  private static final Set<String> CORE_KEYS =
      Set.of(
          BROKER_TYPE,
          DELIVERY_MODE,
          MAX_RETRIES,
          ENABLE_DEAD_LETTER,
          RETRY_INITIAL_BACKOFF_MS,
          RETRY_MAX_BACKOFF_MS,
          RETRY_MULTIPLIER,
          RETRY_JITTER,
          RETRY_IN_PLACE,
          SEND_TIMEOUT_MS,
          MAX_MESSAGE_BYTES,
          CONSUMER_CONCURRENCY,
          CONSUMER_START_FROM,
          CONSUMER_CLOSE_TIMEOUT_MS,
          CONSUMER_STALL_TIMEOUT_MS,
          TOPIC_DEFAULT_PARTITIONS,
          TOPIC_DEFAULT_REPLICATION_FACTOR,
          TOPIC_DEFAULT_RETENTION_MS,
          ENCRYPTION_ENABLED,
          ENCRYPTION_REQUIRE,
          ENCRYPTION_CURRENT_KEY_ID,
          ENCRYPTION_KEY_FILES,
          ENCRYPTION_KEYSTORE_PATH,
          ENCRYPTION_KEYSTORE_PASSWORD_FILE,
          ENCRYPTION_KEYSTORE_PASSWORD);

  /** Sections of the core keys, for the environment mapping. */
  private static final Set<String> CORE_SECTIONS =
      Set.of("retry", "producer", "consumer", "topic_defaults", "topics", "encryption");

  private final Map<String, Setting> settings;
  private final String brokerType;
  private final DeliveryMode deliveryMode;
  private final RetryPolicy retryPolicy;
  private final DeadLetterPolicy deadLetterPolicy;
  private final Duration sendTimeout;
  private final int maxMessageBytes;
  private final int consumerConcurrency;
  private final StartPosition startFrom;
  private final Duration closeTimeout;
  private final Duration stallTimeout;
  private final TopicSpec topicDefaults;
  private final TopicSettings topics;
  private final Optional<PayloadEncryption> encryption;
  private final Optional<InstantSource> clock;

  private MqConfig(
      Map<String, Setting> settings, Set<String> ownedSections, Optional<InstantSource> clock) {
    this.settings = Collections.unmodifiableMap(new TreeMap<>(settings));
    this.clock = clock;
    Map<String, Setting> core = new LinkedHashMap<>();
    Map<String, Setting> topicSettings = new LinkedHashMap<>();
    settings.forEach(
        (key, setting) -> {
          String section = key.contains(".") ? key.substring(0, key.indexOf('.')) : "";
          if (key.startsWith(TopicSettings.PREFIX)) {
            topicSettings.put(key, setting);
          } else if (!ownedSections.contains(section)) {
            core.put(key, setting);
          }
        });
    ConfigSection c = new ConfigSection("", core);
    c.rejectUnknownKeys(
        CORE_KEYS,
        TopicSettings.ACCEPTED
            + ", and the sections "
            + ownedSections.stream().map(s -> s + ".*").collect(Collectors.joining(", "))
            + " (of the installed backends and the application)");
    this.brokerType = c.string(BROKER_TYPE, "memory").trim().toLowerCase(Locale.ROOT);
    if (brokerType.isEmpty()) {
      c.problem(BROKER_TYPE, "the name of an installed backend: memory, kafka or amqp");
    }
    this.deliveryMode = c.oneOf(DELIVERY_MODE, DeliveryMode.class, DeliveryMode.AT_LEAST_ONCE);
    RetryPolicy d = RetryPolicy.DEFAULT;
    int maxRetries = c.integer(MAX_RETRIES, d.maxRetries(), 0, 1_000_000);
    Duration initial =
        c.millis(RETRY_INITIAL_BACKOFF_MS, d.initialBackoff(), Duration.ZERO, Duration.ofHours(1));
    Duration max =
        c.millis(RETRY_MAX_BACKOFF_MS, d.maxBackoff(), Duration.ZERO, Duration.ofHours(24));
    double multiplier = c.decimal(RETRY_MULTIPLIER, d.multiplier(), 1.0, 100.0);
    double jitter = c.decimal(RETRY_JITTER, d.jitter(), 0.0, 1.0);
    if (max.compareTo(initial) < 0) {
      c.addProblem(
          String.format(
              "'%s' = %d is below '%s' = %d; expected max >= initial",
              RETRY_MAX_BACKOFF_MS, max.toMillis(), RETRY_INITIAL_BACKOFF_MS, initial.toMillis()));
      max = initial;
    }
    // How many retries wait in place (blocking) before the rest are parked; default: all.
    int inPlace = c.integer(RETRY_IN_PLACE, RetryPolicy.ALL_IN_PLACE, 0, RetryPolicy.ALL_IN_PLACE);
    this.retryPolicy = new RetryPolicy(maxRetries, initial, max, multiplier, jitter, inPlace);
    this.deadLetterPolicy = new DeadLetterPolicy(c.bool(ENABLE_DEAD_LETTER, true));
    this.sendTimeout =
        c.millis(
            SEND_TIMEOUT_MS, Duration.ofSeconds(30), Duration.ofMillis(1), Duration.ofHours(1));
    this.maxMessageBytes = c.integer(MAX_MESSAGE_BYTES, 1_048_576, 1, 1 << 30);
    this.consumerConcurrency = c.integer(CONSUMER_CONCURRENCY, 1, 1, 1024);
    this.startFrom = c.oneOf(CONSUMER_START_FROM, StartPosition.class, StartPosition.EARLIEST);
    this.closeTimeout =
        c.millis(
            CONSUMER_CLOSE_TIMEOUT_MS, Duration.ofSeconds(30), Duration.ZERO, Duration.ofHours(1));
    this.stallTimeout =
        c.millis(
            CONSUMER_STALL_TIMEOUT_MS,
            Duration.ofMinutes(5),
            Duration.ofMillis(1),
            Duration.ofDays(1));
    int partitions = c.integer(TOPIC_DEFAULT_PARTITIONS, 4, 1, 100_000);
    int replication =
        TopicSettings.replication(c, TOPIC_DEFAULT_REPLICATION_FACTOR, TopicSpec.BROKER_DEFAULT);
    Optional<Duration> retention =
        c.string(TOPIC_DEFAULT_RETENTION_MS).isEmpty()
            ? Optional.empty()
            : Optional.of(
                c.millis(
                    TOPIC_DEFAULT_RETENTION_MS,
                    Duration.ofDays(7),
                    Duration.ofMillis(1),
                    Duration.ofMillis(Long.MAX_VALUE)));
    this.topicDefaults = new TopicSpec("topic-defaults", partitions, replication, retention);
    this.topics = new TopicSettings(topicSettings, topicDefaults, c);
    this.encryption = PayloadEncryption.read(c);
    c.throwIfInvalid();
  }

  /** Built-in defaults only. */
  public static MqConfig defaults() {
    return builder().build();
  }

  /** Defaults, the file named by {@code MQ_CONFIG} if set, then the process environment. */
  public static MqConfig load() {
    return builder().environment(System.getenv()).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The backend to use: {@code memory} (default), {@code kafka} or {@code amqp}. */
  public String brokerType() {
    return brokerType;
  }

  public DeliveryMode deliveryMode() {
    return deliveryMode;
  }

  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  public DeadLetterPolicy deadLetterPolicy() {
    return deadLetterPolicy;
  }

  /** Upper bound on how long a send may take, buffering included. */
  public Duration sendTimeout() {
    return sendTimeout;
  }

  /** Largest message a producer accepts, payload, key and headers counted. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  public int consumerConcurrency() {
    return consumerConcurrency;
  }

  public StartPosition startFrom() {
    return startFrom;
  }

  /** How long {@link Subscriber#close()} waits for in-flight handlers. */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  /** A handler running longer than this makes its consumer's health DOWN. */
  public Duration stallTimeout() {
    return stallTimeout;
  }

  /** Settings of {@code name}: from {@code topics.<name>.*}, else {@code topic_defaults.*}. */
  public TopicSpec topic(String name) {
    TopicSpec spec = topics.specs.get(name);
    return spec != null ? spec : topicDefaults.withName(TopicSpec.requireValidName(name));
  }

  /** Topics configured under {@code topics.*}. */
  public Map<String, TopicSpec> topics() {
    return topics.specs;
  }

  /**
   * The groups each topic names in {@code topics.<topic>.groups}: they must keep the topic's
   * messages from its first publish on, whichever service starts first. Each backend decides what
   * that takes: RabbitMQ declares the groups' durable queues up front (it refuses a message no
   * queue would keep); Kafka and the in-memory broker keep every message for groups that join
   * later.
   */
  public Map<String, List<String>> declaredGroups() {
    return topics.groups;
  }

  /**
   * Payload encryption ({@code encryption.*}), present when enabled: every producer and handler of
   * a queue made with this configuration encrypts what it sends under the current key, and every
   * subscriber decrypts before its handler runs.
   */
  public Optional<PayloadEncryption> encryption() {
    return encryption;
  }

  /**
   * The clock set with {@link Builder#clock}; empty (the default) means the system's time. Only the
   * in-memory backend reads it, for the backoff of in-place retries: a test moves its clock ahead
   * and a retry due in ten minutes runs at once. Kafka and RabbitMQ wait in real time whatever is
   * set here, and parked retries through retry topics ({@link RetryPolicy#withInPlaceRetries}) are
   * due by the system's wall clock on every backend.
   */
  public Optional<InstantSource> clock() {
    return clock;
  }

  /** The settings under {@code <name>.}, e.g. {@code section("kafka")} for {@code kafka.*}. */
  public ConfigSection section(String name) {
    String prefix = name + ".";
    Map<String, Setting> values = new LinkedHashMap<>();
    settings.forEach(
        (key, setting) -> {
          if (key.startsWith(prefix)) {
            values.put(key.substring(prefix.length()), setting);
          }
        });
    return new ConfigSection(prefix, values);
  }

  /** Where a key's value came from: {@code default}, {@code file ...}, {@code environment ...}. */
  public String sourceOf(String key) {
    Setting s = settings.get(key);
    return s == null ? "default" : s.source();
  }

  /** Every explicitly set key with its value, as {@link Redaction} prints it. */
  @Override
  public String toString() {
    return settings.entrySet().stream()
        .map(e -> e.getKey() + "=" + Redaction.value(e.getKey(), e.getValue().value()))
        .collect(Collectors.joining(", ", "MqConfig{", "}"));
  }

  /**
   * Collects the layers of a configuration; {@link #build()} applies them in precedence order
   * whatever order they were given in. Not thread-safe.
   */
  public static final class Builder {
    private Path file;
    private Map<String, String> environment = Map.of();
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private final Set<String> sections = new TreeSet<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();
    private InstantSource clock;

    private Builder() {}

    /** A YAML ({@code .yaml}, {@code .yml}) or JSON ({@code .json}) file; wins over MQ_CONFIG. */
    public Builder file(Path path) {
      this.file = path;
      return this;
    }

    /**
     * The environment to read ({@code MQ_*}, the declared aliases and {@code MQ_CONFIG}); usually
     * {@code System.getenv()}.
     */
    public Builder environment(Map<String, String> env) {
      this.environment = Map.copyOf(env);
      return this;
    }

    /**
     * Registers a section the application owns, e.g. {@code myapp} for {@code myapp.*}: its keys
     * are accepted here and validated by the application through {@link MqConfig#section}.
     */
    public Builder section(String name) {
      sections.add(name);
      return this;
    }

    /**
     * Registers an environment variable of the application's that sets {@code key}, beside the
     * generic {@code MQ_<SECTION>_<KEY>} names, e.g. {@code MYAPP_LISTEN}.
     */
    public Builder alias(String variable, String key) {
      aliases.put(variable, key);
      return this;
    }

    /** A programmatic override, highest precedence; {@code key} as in a file, dotted. */
    public Builder set(String key, String value) {
      overrides.put(key, value);
      return this;
    }

    public Builder brokerType(String name) {
      return set(BROKER_TYPE, name);
    }

    public Builder deliveryMode(DeliveryMode mode) {
      return set(DELIVERY_MODE, mode.name().toLowerCase(Locale.ROOT));
    }

    public Builder maxRetries(int retries) {
      return set(MAX_RETRIES, Integer.toString(retries));
    }

    public Builder retryBackoff(Duration initial, Duration max) {
      set(RETRY_INITIAL_BACKOFF_MS, Long.toString(initial.toMillis()));
      return set(RETRY_MAX_BACKOFF_MS, Long.toString(max.toMillis()));
    }

    public Builder deadLetter(boolean enabled) {
      return set(ENABLE_DEAD_LETTER, Boolean.toString(enabled));
    }

    public Builder topic(TopicSpec spec) {
      String prefix = TopicSettings.PREFIX + spec.name() + ".";
      set(prefix + "partitions", Integer.toString(spec.partitions()));
      set(
          prefix + "replication_factor",
          spec.replicationFactor() == TopicSpec.BROKER_DEFAULT
              ? TopicSettings.BROKER_DEFAULT
              : Integer.toString(spec.replicationFactor()));
      spec.retention().ifPresent(r -> set(prefix + "retention_ms", Long.toString(r.toMillis())));
      return this;
    }

    /**
     * The clock the in-memory backend's in-place retry backoff runs on, for tests that move time
     * ahead instead of sleeping (see {@link MqConfig#clock()}); {@code null} restores the system's
     * time. It must be thread-safe: consumer threads read it.
     */
    public Builder clock(InstantSource clock) {
      this.clock = clock;
      return this;
    }

    /** Declares groups that keep {@code topic}'s messages from its first publish on. */
    public Builder declareGroups(String topic, List<String> groups) {
      return set(TopicSettings.PREFIX + topic + ".groups", String.join(",", groups));
    }

    /**
     * @throws ConfigException listing every invalid or unknown setting, or an unreadable file
     */
    public MqConfig build() {
      Set<String> owned = new TreeSet<>(sections);
      Map<String, String> variables = new LinkedHashMap<>();
      for (MessageQueueProvider provider : MessageQueueProviders.installed().values()) {
        String section = provider.configSection();
        owned.add(section);
        provider.environmentAliases().forEach((v, key) -> variables.put(v, section + "." + key));
      }
      variables.putAll(aliases);
      Set<String> known = new TreeSet<>(owned);
      known.addAll(CORE_SECTIONS);

      Map<String, Setting> merged = new LinkedHashMap<>();
      Path configFile = file;
      if (configFile == null && environment.get(CONFIG_FILE_VARIABLE) != null) {
        configFile = Path.of(environment.get(CONFIG_FILE_VARIABLE));
      }
      if (configFile != null) {
        merged.putAll(ConfigFiles.read(configFile));
      }
      merged.putAll(
          ConfigEnvironment.read(environment, variables, known, Set.of(CONFIG_FILE_VARIABLE)));
      overrides.forEach((key, value) -> merged.put(key, new Setting(value, "override")));
      return new MqConfig(merged, owned, Optional.ofNullable(clock));
    }
  }
}
