package io.agentmq.agents;

import io.agentmq.api.ConfigSection;
import io.agentmq.api.MqConfig;
import io.agentmq.api.TopicSpec;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The pipeline's own settings, {@code agents.*} in the configuration file (or {@code
 * MqConfig.builder().set(..)}). The section is the pipeline's, not the framework's: a configuration
 * that holds it is built with {@link #register(MqConfig.Builder)}.
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
 * @param unhealthyExit {@code agents.unhealthy_exit_ms}: {@code agentmq run} exits (non-zero) once
 *     its services have been DOWN this long without a break, so that a supervisor restarts it
 *     instead of it lingering as a zombie; default 60 s, 0 never
 * @param groups {@code agents.groups.<role>} (or {@code <ROLE>_GROUP}): each agent's consumer
 *     group, by default the role's name with dashes ({@code request-planner})
 * @param repos {@code agents.coding.repos} (or {@code MQ_AGENTS_CODING__REPOS}): the git working
 *     copies coding tasks may change, comma-separated absolute paths; a task naming any other
 *     repository is refused. None by default: then every coding task is refused
 * @param buildEnv {@code agents.coding.build_env}: names of the agent's environment variables the
 *     build command gets besides {@code PATH}, {@code HOME}, {@code LANG}, {@code JAVA_HOME} and
 *     {@code TMPDIR}, comma-separated; none by default
 */
public record AgentsConfig(
    Optional<String> buildCommand,
    Duration buildTimeout,
    String author,
    Duration requestTimeout,
    int concurrency,
    int maxInFlight,
    PipelineTopics topics,
    Duration unhealthyExit,
    Map<Role, String> groups,
    List<Path> repos,
    List<String> buildEnv) {
  /** The configuration section of the pipeline. */
  public static final String SECTION = "agents";

  public static final String BUILD_COMMAND = "coding.build_command";
  public static final String BUILD_TIMEOUT_MS = "coding.build_timeout_ms";
  public static final String AUTHOR = "coding.author";
  public static final String REPOS = "coding.repos";
  public static final String BUILD_ENV = "coding.build_env";
  public static final String REQUEST_TIMEOUT_MS = "orchestrator.request_timeout_ms";
  public static final String CONCURRENCY = "concurrency";
  public static final String MAX_IN_FLIGHT = "max_in_flight";
  public static final String TOPIC_PREFIX = "topic_prefix";
  public static final String UNHEALTHY_EXIT_MS = "unhealthy_exit_ms";
  public static final String GROUPS = "groups.";

  /** The agents of the pipeline, each reading with a consumer group of its own. */
  public enum Role {
    REQUEST_PLANNER,
    CODE_PLANNER,
    CODING_AGENT,
    ORCHESTRATOR;

    /** The key of its group under {@code agents.}: {@code groups.request_planner}. */
    public String key() {
      return GROUPS + name().toLowerCase(Locale.ROOT);
    }

    /** Its group when none is configured: {@code request-planner}. */
    String defaultGroup() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The environment variable that sets its group: {@code REQUEST_PLANNER_GROUP}. */
    public String variable() {
      return name() + "_GROUP";
    }
  }

  /**
   * Lets {@code builder} accept the pipeline's section, {@code agents.*}, and the variables that
   * set its groups ({@code REQUEST_PLANNER_GROUP}...).
   */
  public static MqConfig.Builder register(MqConfig.Builder builder) {
    builder.section(SECTION);
    for (Role role : Role.values()) {
      builder.alias(role.variable(), SECTION + "." + role.key());
    }
    return builder;
  }

  /**
   * Builds the configuration with each pipeline topic's readers declared ({@code
   * topics.<topic>.groups}, unless the topic declares its own): their messages are kept from the
   * first publish on, whichever agent starts first.
   */
  public static MqConfig withReaders(MqConfig.Builder builder) {
    MqConfig config = builder.build();
    AgentsConfig agents = of(config);
    agents
        .topics()
        .readers(agents)
        .forEach(
            (topic, readers) -> {
              if (!config.declaredGroups().containsKey(topic)) {
                builder.declareGroups(topic, readers);
              }
            });
    return builder.build();
  }

  /** The consumer group of {@code role}. */
  public String group(Role role) {
    return groups.get(role);
  }

  /** Reads and validates {@code agents.*}; every bad value is reported at once. */
  public static AgentsConfig of(MqConfig config) {
    ConfigSection s = config.section(SECTION);
    Set<String> accepted =
        new HashSet<>(
            List.of(
                BUILD_COMMAND,
                BUILD_TIMEOUT_MS,
                AUTHOR,
                REPOS,
                BUILD_ENV,
                REQUEST_TIMEOUT_MS,
                CONCURRENCY,
                MAX_IN_FLIGHT,
                TOPIC_PREFIX,
                UNHEALTHY_EXIT_MS));
    Map<Role, String> groups = new EnumMap<>(Role.class);
    for (Role role : Role.values()) {
      accepted.add(role.key());
      String group = s.string(role.key(), role.defaultGroup()).strip();
      if (!TopicSpec.isValidName(group)) {
        s.problem(role.key(), "a group name of " + TopicSpec.NAME_RULE);
      }
      groups.put(role, group);
    }
    s.rejectUnknownKeys(accepted);
    Optional<String> build = s.string(BUILD_COMMAND).map(String::strip).filter(c -> !c.isEmpty());
    Duration buildTimeout =
        s.millis(
            BUILD_TIMEOUT_MS, Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofHours(6));
    String author = s.string(AUTHOR, "AgentMQ Coding Agent <coding-agent@agentmq.invalid>").strip();
    if (!author.matches("[^<>]+<[^<>@\\s]+@[^<>\\s]+>")) {
      s.problem(AUTHOR, "a name and an email address: Name <name@example.com>");
    }
    List<Path> repos = new ArrayList<>();
    for (String entry : commaSeparated(s.string(REPOS, ""))) {
      try {
        Path repo = Path.of(entry);
        if (!repo.isAbsolute()) {
          throw new InvalidPathException(entry, "not absolute");
        }
        repos.add(repo.normalize());
      } catch (InvalidPathException e) {
        s.problem(REPOS, "a comma-separated list of absolute paths of git working copies");
        break;
      }
    }
    List<String> buildEnv = commaSeparated(s.string(BUILD_ENV, ""));
    if (!buildEnv.stream().allMatch(name -> name.matches("[A-Za-z_][A-Za-z0-9_]*"))) {
      s.problem(BUILD_ENV, "a comma-separated list of environment variable names (A-Z, 0-9, _)");
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
    Duration unhealthyExit =
        s.millis(UNHEALTHY_EXIT_MS, Duration.ofMinutes(1), Duration.ZERO, Duration.ofDays(1));
    s.throwIfInvalid();
    return new AgentsConfig(
        build,
        buildTimeout,
        author,
        timeout,
        concurrency,
        maxInFlight,
        topics,
        unhealthyExit,
        Map.copyOf(groups),
        List.copyOf(repos),
        List.copyOf(buildEnv));
  }

  /** The non-empty entries of a comma-separated list, stripped. */
  private static List<String> commaSeparated(String list) {
    return Arrays.stream(list.split(",")).map(String::strip).filter(e -> !e.isEmpty()).toList();
  }
}
