package io.agentmq.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.agentmq.api.ConfigSection.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * AgentMQ configuration: validated, immutable, thread-safe.
 *
 * <p>Values come from four layers, lowest first: built-in defaults &lt; a YAML or JSON file ({@code
 * MQ_CONFIG} or {@link Builder#file}) &lt; environment variables &lt; programmatic overrides
 * ({@link Builder#set}). Keys are snake_case and nested in files ({@code retry:
 * {initial_backoff_ms: 50}}) or dotted in code ({@code retry.initial_backoff_ms}). A bad value or
 * an unknown key fails {@link Builder#build()} with a {@link ConfigException} that names the key,
 * the source, the value and what is accepted. Secrets never appear in {@link #toString()} or
 * errors.
 *
 * <p>Keys under {@code memory.}, {@code kafka.} and {@code amqp.} belong to that backend, which
 * reads and validates them through {@link #section(String)}.
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
  public static final String SEND_TIMEOUT_MS = "producer.send_timeout_ms";
  public static final String MAX_MESSAGE_BYTES = "producer.max_message_bytes";
  public static final String CONSUMER_CONCURRENCY = "consumer.concurrency";
  public static final String CONSUMER_START_FROM = "consumer.start_from";
  public static final String CONSUMER_CLOSE_TIMEOUT_MS = "consumer.close_timeout_ms";
  public static final String CONSUMER_STALL_TIMEOUT_MS = "consumer.stall_timeout_ms";
  public static final String TOPIC_DEFAULT_PARTITIONS = "topic_defaults.partitions";
  public static final String TOPIC_DEFAULT_REPLICATION_FACTOR = "topic_defaults.replication_factor";
  public static final String TOPIC_DEFAULT_RETENTION_MS = "topic_defaults.retention_ms";

  /** Environment variables and the keys they set. */
  public static final Map<String, String> ENVIRONMENT_VARIABLES =
      Collections.unmodifiableMap(
          new LinkedHashMap<>(
              Map.of(
                  "MQ_BROKER_TYPE", BROKER_TYPE,
                  "KAFKA_BOOTSTRAP_SERVERS", "kafka.bootstrap_servers",
                  "AMQP_URL", "amqp.url",
                  "MQ_DELIVERY_MODE", DELIVERY_MODE,
                  "MQ_MAX_RETRIES", MAX_RETRIES,
                  "MQ_ENABLE_DEAD_LETTER", ENABLE_DEAD_LETTER,
                  "REQUEST_PLANNER_GROUP", "groups.request_planner",
                  "CODE_PLANNER_GROUP", "groups.code_planner",
                  "CODING_AGENT_GROUP", "groups.coding_agent",
                  "ORCHESTRATOR_GROUP", "groups.orchestrator")));

  /** Environment variable naming the configuration file. */
  public static final String CONFIG_FILE_VARIABLE = "MQ_CONFIG";

  /** Sections owned by backends; their keys are validated by the backend. */
  public static final Set<String> BACKEND_SECTIONS = Set.of("memory", "kafka", "amqp");

  /** Sections read by the applications built on AgentMQ: {@code agents.*}, the agent pipeline's. */
  public static final Set<String> APPLICATION_SECTIONS = Set.of("agents");

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
          SEND_TIMEOUT_MS,
          MAX_MESSAGE_BYTES,
          CONSUMER_CONCURRENCY,
          CONSUMER_START_FROM,
          CONSUMER_CLOSE_TIMEOUT_MS,
          CONSUMER_STALL_TIMEOUT_MS,
          TOPIC_DEFAULT_PARTITIONS,
          TOPIC_DEFAULT_REPLICATION_FACTOR,
          TOPIC_DEFAULT_RETENTION_MS);

  private static final Set<String> TOPIC_SETTINGS =
      Set.of("partitions", "replication_factor", "retention_ms");

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
  private final Map<String, TopicSpec> topics;
  private final Map<String, String> groups;

  private MqConfig(Map<String, Setting> settings) {
    this.settings = Collections.unmodifiableMap(new TreeMap<>(settings));
    Map<String, Setting> core = new LinkedHashMap<>();
    Map<String, Setting> topicSettings = new LinkedHashMap<>();
    Map<String, Setting> groupSettings = new LinkedHashMap<>();
    for (Map.Entry<String, Setting> e : settings.entrySet()) {
      String key = e.getKey();
      String section = key.contains(".") ? key.substring(0, key.indexOf('.')) : "";
      if (section.equals("topics")) {
        topicSettings.put(key, e.getValue());
      } else if (section.equals("groups")) {
        groupSettings.put(key, e.getValue());
      } else if (!BACKEND_SECTIONS.contains(section) && !APPLICATION_SECTIONS.contains(section)) {
        core.put(key, e.getValue());
      }
    }
    ConfigSection c = new ConfigSection("", core);
    c.rejectUnknownKeys(
        CORE_KEYS,
        "topics.<topic>.{partitions,replication_factor,retention_ms}, groups.<role>, and the"
            + " backend sections memory.*, kafka.*, amqp.*, and agents.*");
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
          "'"
              + RETRY_MAX_BACKOFF_MS
              + "' = "
              + max.toMillis()
              + " is below '"
              + RETRY_INITIAL_BACKOFF_MS
              + "' = "
              + initial.toMillis()
              + "; expected max >= initial");
      max = initial;
    }
    this.retryPolicy = new RetryPolicy(maxRetries, initial, max, multiplier, jitter);
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
    int replication = c.integer(TOPIC_DEFAULT_REPLICATION_FACTOR, 1, 1, Short.MAX_VALUE);
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
    this.topics = parseTopics(topicSettings, c);
    this.groups = parseGroups(groupSettings, c);
    c.throwIfInvalid();
  }

  private Map<String, TopicSpec> parseTopics(Map<String, Setting> raw, ConfigSection core) {
    Map<String, Map<String, Setting>> byTopic = new TreeMap<>();
    for (Map.Entry<String, Setting> e : raw.entrySet()) {
      String rest = e.getKey().substring("topics.".length());
      int dot = rest.lastIndexOf('.');
      String setting = dot < 0 ? "" : rest.substring(dot + 1);
      String topic = dot < 0 ? rest : rest.substring(0, dot);
      if (!TOPIC_SETTINGS.contains(setting) || !TopicSpec.isValidName(topic)) {
        core.addProblem(
            "unknown key '"
                + e.getKey()
                + "' ("
                + e.getValue().source()
                + "); accepted: topics.<topic>.partitions, topics.<topic>.replication_factor,"
                + " topics.<topic>.retention_ms, where <topic> has "
                + TopicSpec.NAME_RULE);
        continue;
      }
      byTopic.computeIfAbsent(topic, t -> new LinkedHashMap<>()).put(setting, e.getValue());
    }
    Map<String, TopicSpec> result = new TreeMap<>();
    byTopic.forEach(
        (topic, values) -> {
          ConfigSection s = new ConfigSection("topics." + topic + ".", values);
          int partitions = s.integer("partitions", topicDefaults.partitions(), 1, 100_000);
          int replication =
              s.integer(
                  "replication_factor", topicDefaults.replicationFactor(), 1, Short.MAX_VALUE);
          Optional<Duration> retention =
              s.string("retention_ms").isEmpty()
                  ? topicDefaults.retention()
                  : Optional.of(
                      s.millis(
                          "retention_ms",
                          Duration.ofDays(7),
                          Duration.ofMillis(1),
                          Duration.ofMillis(Long.MAX_VALUE)));
          s.problems().forEach(core::addProblem);
          result.put(topic, new TopicSpec(topic, partitions, replication, retention));
        });
    return Collections.unmodifiableMap(result);
  }

  private static Map<String, String> parseGroups(Map<String, Setting> raw, ConfigSection core) {
    Map<String, String> result = new TreeMap<>();
    raw.forEach(
        (key, setting) -> {
          String role = key.substring("groups.".length());
          if (!TopicSpec.isValidName(setting.value())) {
            core.addProblem(
                "'"
                    + key
                    + "' = '"
                    + setting.value()
                    + "' ("
                    + setting.source()
                    + ") is not accepted; expected a group name of "
                    + TopicSpec.NAME_RULE);
          } else {
            result.put(role, setting.value());
          }
        });
    return Collections.unmodifiableMap(result);
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

  /** How long {@link Consumer#close()} waits for in-flight handlers. */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  /** A handler running longer than this makes its consumer's health DOWN. */
  public Duration stallTimeout() {
    return stallTimeout;
  }

  /** Settings of {@code name}: from {@code topics.<name>.*}, else {@code topic_defaults.*}. */
  public TopicSpec topic(String name) {
    TopicSpec spec = topics.get(name);
    return spec != null ? spec : topicDefaults.withName(TopicSpec.requireValidName(name));
  }

  /** Topics configured under {@code topics.*}. */
  public Map<String, TopicSpec> topics() {
    return topics;
  }

  /**
   * The consumer group of a role (e.g. {@code request_planner}, set by {@code
   * REQUEST_PLANNER_GROUP}); when not configured, the role with {@code -} for {@code _}.
   */
  public String group(String role) {
    return groups.getOrDefault(role, role.replace('_', '-'));
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

  /** Every explicitly set key with its value, secrets redacted. */
  @Override
  public String toString() {
    return settings.entrySet().stream()
        .map(e -> e.getKey() + "=" + ConfigSection.redact(e.getKey(), e.getValue().value()))
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

    private Builder() {}

    /** A YAML ({@code .yaml}, {@code .yml}) or JSON ({@code .json}) file; wins over MQ_CONFIG. */
    public Builder file(Path path) {
      this.file = path;
      return this;
    }

    /**
     * The environment to read ({@link #ENVIRONMENT_VARIABLES} and {@code MQ_CONFIG}); usually
     * {@code System.getenv()}.
     */
    public Builder environment(Map<String, String> env) {
      this.environment = Map.copyOf(env);
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
      set("topics." + spec.name() + ".partitions", Integer.toString(spec.partitions()));
      set(
          "topics." + spec.name() + ".replication_factor",
          Integer.toString(spec.replicationFactor()));
      spec.retention()
          .ifPresent(
              r -> set("topics." + spec.name() + ".retention_ms", Long.toString(r.toMillis())));
      return this;
    }

    public Builder group(String role, String group) {
      return set("groups." + role, group);
    }

    /**
     * @throws ConfigException listing every invalid or unknown setting, or an unreadable file
     */
    public MqConfig build() {
      Map<String, Setting> merged = new LinkedHashMap<>();
      Path configFile = file;
      if (configFile == null && environment.get(CONFIG_FILE_VARIABLE) != null) {
        configFile = Path.of(environment.get(CONFIG_FILE_VARIABLE));
      }
      if (configFile != null) {
        merged.putAll(readFile(configFile));
      }
      ENVIRONMENT_VARIABLES.forEach(
          (variable, key) -> {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
              merged.put(key, new Setting(value, "environment variable " + variable));
            }
          });
      overrides.forEach((key, value) -> merged.put(key, new Setting(value, "override")));
      return new MqConfig(merged);
    }

    private static Map<String, Setting> readFile(Path path) {
      String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
      boolean json = name.endsWith(".json");
      if (!json && !name.endsWith(".yaml") && !name.endsWith(".yml")) {
        throw new ConfigException(
            "configuration file '" + path + "' must end in .yaml, .yml or .json");
      }
      JsonNode root;
      try {
        ObjectMapper mapper = json ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
        root = mapper.readTree(Files.readAllBytes(path));
      } catch (IOException e) {
        throw new ConfigException(
            "cannot read configuration file '"
                + path
                + "': "
                + e.getClass().getSimpleName()
                + ": "
                + e.getMessage());
      }
      Map<String, Setting> out = new LinkedHashMap<>();
      if (root == null || root.isMissingNode() || root.isNull()) {
        return out;
      }
      if (!root.isObject()) {
        throw new ConfigException(
            "configuration file '" + path + "' must hold a mapping of keys to values");
      }
      List<String> problems = new java.util.ArrayList<>();
      flatten("", root, "file " + path, out, problems);
      if (!problems.isEmpty()) {
        throw new ConfigException(problems);
      }
      return out;
    }

    private static void flatten(
        String prefix,
        JsonNode node,
        String source,
        Map<String, Setting> out,
        List<String> problems) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        String key = prefix + e.getKey();
        JsonNode value = e.getValue();
        if (value.isObject()) {
          flatten(key + ".", value, source, out, problems);
        } else if (value.isValueNode() && !value.isNull()) {
          out.put(key, new Setting(value.asText(), source));
        } else {
          problems.add(
              "'"
                  + key
                  + "' ("
                  + source
                  + ") is "
                  + (value.isNull() ? "empty" : "a list")
                  + "; expected a single value");
        }
      }
    }
  }
}
