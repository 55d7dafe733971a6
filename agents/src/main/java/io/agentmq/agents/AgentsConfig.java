package io.agentmq.agents;

import io.agentmq.api.ConfigSection;
import io.agentmq.api.MqConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The pipeline's own settings, {@code agents.*} in the configuration file (or {@code
 * MqConfig.builder().set(..)}).
 *
 * @param buildCommand {@code agents.coding.build_command}: run by {@code sh -c} in the working copy
 *     after each commit; none by default (the build report says skipped)
 * @param buildTimeout {@code agents.coding.build_timeout_ms}, default 10 minutes
 * @param author {@code agents.coding.author}: the commits' author, {@code Name <email>}
 * @param requestTimeout {@code agents.orchestrator.request_timeout_ms}: a request with results
 *     missing after this long fails, default 2 minutes
 * @param concurrency {@code agents.concurrency}: handler threads per service, default 4 (a key's
 *     messages stay in order)
 * @param maxInFlight {@code agents.max_in_flight}: messages of one partition a service handles
 *     while earlier ones wait for their outputs to be stored, default 256
 * @param topics {@code agents.topic_prefix}: the pipeline's topics, behind this prefix (none by
 *     default), so several pipelines can share a broker
 */
public record AgentsConfig(
    Optional<String> buildCommand,
    Duration buildTimeout,
    String author,
    Duration requestTimeout,
    int concurrency,
    int maxInFlight,
    PipelineTopics topics) {
  public static final String BUILD_COMMAND = "coding.build_command";
  public static final String BUILD_TIMEOUT_MS = "coding.build_timeout_ms";
  public static final String AUTHOR = "coding.author";
  public static final String REQUEST_TIMEOUT_MS = "orchestrator.request_timeout_ms";
  public static final String CONCURRENCY = "concurrency";
  public static final String MAX_IN_FLIGHT = "max_in_flight";
  public static final String TOPIC_PREFIX = "topic_prefix";

  /** The name in {@link #author()}. */
  public String authorName() {
    return author.substring(0, author.indexOf('<')).strip();
  }

  /** The email address in {@link #author()}. */
  public String authorEmail() {
    return author.substring(author.indexOf('<') + 1, author.indexOf('>'));
  }

  /** Reads and validates {@code agents.*}; every bad value is reported at once. */
  public static AgentsConfig of(MqConfig config) {
    ConfigSection s = config.section("agents");
    s.rejectUnknownKeys(
        Set.of(
            BUILD_COMMAND,
            BUILD_TIMEOUT_MS,
            AUTHOR,
            REQUEST_TIMEOUT_MS,
            CONCURRENCY,
            MAX_IN_FLIGHT,
            TOPIC_PREFIX));
    Optional<String> build = s.string(BUILD_COMMAND).map(String::strip).filter(c -> !c.isEmpty());
    Duration buildTimeout =
        s.millis(
            BUILD_TIMEOUT_MS, Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofHours(6));
    String author = s.string(AUTHOR, "AgentMQ Coding Agent <coding-agent@agentmq.invalid>").strip();
    if (!author.matches("[^<>]+<[^<>@\\s]+@[^<>\\s]+>")) {
      s.problem(AUTHOR, "a name and an email address: Name <name@example.com>");
    }
    Duration timeout =
        s.millis(
            REQUEST_TIMEOUT_MS, Duration.ofMinutes(2), Duration.ofMillis(100), Duration.ofDays(1));
    int concurrency = s.integer(CONCURRENCY, 4, 1, 1024);
    int maxInFlight = s.integer(MAX_IN_FLIGHT, 256, 1, 10_000);
    PipelineTopics topics = PipelineTopics.DEFAULT;
    try {
      topics = new PipelineTopics(s.string(TOPIC_PREFIX, ""));
    } catch (IllegalArgumentException e) {
      s.problem(TOPIC_PREFIX, "a prefix that makes valid topic names (letters, digits, . _ -)");
    }
    s.throwIfInvalid();
    return new AgentsConfig(build, buildTimeout, author, timeout, concurrency, maxInFlight, topics);
  }
}
