package io.agentmq.bench;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.agentmq.kafka.KafkaBrokerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark command: raw clients against AgentMQ on the same brokers, written to {@code
 * docs/benchmarks.md} and its chart. Kafka is {@code KAFKA_BOOTSTRAP_SERVERS} or a single-node
 * KRaft broker started in its own JVM; RabbitMQ is {@code AMQP_URL} or the local one.
 */
@Command(
    name = "mq-bench/bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Measures AgentMQ against the raw Kafka and RabbitMQ clients (and an ArrayBlockingQueue)"
          + " in one run, alternating raw and AgentMQ rounds after a warm-up, and writes a"
          + " Markdown table with the ratio of every row and a PNG chart."
    })
public final class Bench implements Callable<Integer> {

  /** Parts of the run, in the order they run; named on the command line as {@link #toString()}. */
  public enum Section {
    memory,
    kafka,
    rabbitmq,
    latency,
    serialization,
    pipeline,
    pipeline_rate,
    footprint;

    /** The name on the command line and in the report: {@code pipeline-rate}. */
    @Override
    public String toString() {
      return name().replace('_', '-');
    }

    /** Whether it runs on both brokers, or (kafka, rabbitmq) on the one it is named after. */
    boolean usesBrokers() {
      return this == kafka
          || this == rabbitmq
          || this == latency
          || this == pipeline
          || this == pipeline_rate
          || this == footprint;
    }
  }

  /** Reads a section by its command-line name, {@code pipeline-rate} for {@code pipeline_rate}. */
  static final class SectionName implements CommandLine.ITypeConverter<Section> {
    @Override
    public Section convert(String value) {
      for (Section s : Section.values()) {
        if (s.toString().equals(value)) {
          return s;
        }
      }
      throw new CommandLine.TypeConversionException(
          "'"
              + value
              + "' is not a section; expected one of "
              + String.join(
                  ", ", EnumSet.allOf(Section.class).stream().map(Section::toString).toList()));
    }
  }

  @Option(
      names = "--quick",
      description = "tiny counts: checks the harness runs, the figures mean nothing")
  boolean quick;

  @Option(
      names = "--rounds",
      paramLabel = "N",
      description = "measured rounds per side after the warm-up (default: 5, 2 with --quick)")
  Integer rounds;

  @Option(
      names = "--only",
      split = ",",
      converter = SectionName.class,
      paramLabel = "SECTION",
      description = "run only these: ${COMPLETION-CANDIDATES} (default: all)")
  Set<Section> only;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "the Markdown report (default: docs/benchmarks.md; none with --quick)")
  Path out;

  @Option(
      names = "--chart",
      paramLabel = "FILE",
      description = "the PNG chart (default: benchmarks.png next to the report)")
  Path chart;

  @Option(
      names = "--kafka-bootstrap",
      paramLabel = "HOST:PORT",
      description =
          "Kafka to use (default: KAFKA_BOOTSTRAP_SERVERS, else a broker started for the run)")
  String kafkaBootstrap;

  @Option(
      names = "--raw-headers",
      description =
          "raw Kafka records carry the mq-id and mq-timestamp headers 0.1.0 sent with every"
              + " message: what that envelope cost, apart from the code")
  boolean rawHeaders;

  @Option(
      names = "--kafka-rows",
      paramLabel = "TEXT",
      description =
          "run only the Kafka configurations whose label contains TEXT, e.g. \"200 B, batch 64 KB,"
              + " lz4\" (for profiling one row)")
  String kafkaRows;

  @Option(
      names = "--pipeline-requests",
      paramLabel = "N",
      description =
          "change requests per pipeline round with the git-free coding agent (default: 20000, 20"
              + " with --quick)")
  Integer pipelineRequests;

  @Option(
      names = "--pipeline-git-requests",
      paramLabel = "N",
      description =
          "change requests per pipeline round with real git commits (default: 500, 4 with"
              + " --quick)")
  Integer pipelineGitRequests;

  @Option(
      names = "--pipeline-rate",
      paramLabel = "N",
      description =
          "change requests per second sent on schedule in the pipeline-rate rows, whatever the"
              + " pipeline's pace; latency is timed from each request's scheduled send (default:"
              + " 1000)")
  Integer pipelineRate;

  @Option(
      names = "--pipeline-rate-seconds",
      paramLabel = "S",
      description =
          "seconds each pipeline-rate round is measured, after a settling fifth (at most 2 s)"
              + " that is not (default: 10; 0.5 with --quick)")
  Integer pipelineRateSeconds;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "an AgentMQ setting for the Kafka rows' queue, e.g. kafka.max_queued_per_partition=5000")
  Map<String, String> kafkaSettings = new LinkedHashMap<>();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private List<Row> rows = List.of();

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    System.exit(new CommandLine(new Bench()).execute(args));
  }

  /** The rows of the last {@link #call()}. */
  public List<Row> rows() {
    return rows;
  }

  @Override
  public Integer call() throws Exception {
    atLeastOne("--pipeline-requests", pipelineRequests);
    atLeastOne("--pipeline-git-requests", pipelineGitRequests);
    atLeastOne("--pipeline-rate", pipelineRate);
    atLeastOne("--pipeline-rate-seconds", pipelineRateSeconds);
    int r = rounds != null ? rounds : quick ? 2 : 5;
    Set<Section> sections = only == null ? EnumSet.allOf(Section.class) : EnumSet.copyOf(only);
    String amqpUrl = System.getenv().getOrDefault("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672");
    Map<String, String> environment = machine();
    List<Row> all = new ArrayList<>();
    KafkaBrokerProcess started = null;
    Path kafkaData = null;
    try {
      String kafka =
          kafkaBootstrap != null ? kafkaBootstrap : System.getenv("KAFKA_BOOTSTRAP_SERVERS");
      boolean needsKafka =
          sections.stream().anyMatch(s -> s != Section.rabbitmq && s.usesBrokers());
      if (needsKafka && (kafka == null || kafka.isBlank())) {
        System.out.println("Starting a single-node Kafka broker (KRaft) in its own JVM...");
        kafkaData = kafkaDataDirectory();
        started = KafkaBrokerProcess.start(kafkaData);
        kafka = started.bootstrapServers();
        environment.put(
            "Kafka",
            org.apache.kafka.common.utils.AppInfoParser.getVersion()
                + ", single-node KRaft broker in its own JVM (-Xmx512m), started for the run, data"
                + " in "
                + kafkaData.getParent());
      } else if (needsKafka) {
        environment.put("Kafka", "KAFKA_BOOTSTRAP_SERVERS (" + kafka + ")");
      }
      if (sections.stream().anyMatch(s -> s != Section.kafka && s.usesBrokers())) {
        environment.put("RabbitMQ", rabbitVersion(amqpUrl));
      }
      for (Section section : sections) {
        all.addAll(run(section, r, kafka, amqpUrl));
      }
    } finally {
      if (started != null) {
        started.close();
        deleteRecursively(kafkaData);
      }
    }
    rows = all;
    Path report = out != null ? out : quick ? null : Path.of("docs", "benchmarks.md");
    if (report != null) {
      Path png =
          chart != null ? chart : report.toAbsolutePath().getParent().resolve("benchmarks.png");
      new Report(all, command(), environment).write(report, png);
      System.out.println("Wrote " + report + " and " + png);
    }
    return 0;
  }

  private void atLeastOne(String option, Integer value) {
    if (value != null && value < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), option + " must be a whole number of 1 or more, got " + value);
    }
  }

  private List<Row> run(Section section, int r, String kafka, String amqpUrl) throws Exception {
    System.out.println("== " + section);
    return switch (section) {
      case memory -> List.of(MemoryBench.run(quick ? 2_000 : 5_000_000, r));
      case kafka ->
          new KafkaBench(kafka, quick ? 40_000 : 32L << 20, r, rawHeaders)
              .only(kafkaRows)
              .with(kafkaSettings)
              .run();
      case rabbitmq -> new AmqpBench(amqpUrl, quick ? 200 : 30_000, r).run();
      case latency ->
          new LatencyBench(kafka, amqpUrl, Duration.ofMillis(quick ? 100 : 3_000), r).run();
      case serialization -> new SerializationBench(quick).run();
      case pipeline ->
          new PipelineBench(
                  pipelineBackends(kafka, amqpUrl),
                  pipelineRequests != null ? pipelineRequests : quick ? 20 : 20_000,
                  pipelineGitRequests != null ? pipelineGitRequests : quick ? 4 : 500,
                  quick ? 8 : 1024,
                  quick ? 1 : Math.min(r, 3))
              .run();
      case pipeline_rate ->
          new PipelineBench(pipelineBackends(kafka, amqpUrl), 0, 0, 0, quick ? 1 : Math.min(r, 3))
              .runFixedRate(
                  pipelineRate != null ? pipelineRate : 1_000,
                  pipelineRateSeconds != null
                      ? Duration.ofSeconds(pipelineRateSeconds)
                      : Duration.ofMillis(quick ? 500 : 10_000));
      case footprint ->
          Footprint.run(
              List.of("memory", "kafka", "rabbitmq"),
              Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka, "AMQP_URL", amqpUrl),
              Duration.ofMillis(quick ? 300 : 5_000),
              quick ? 1 : Math.min(r, 3));
    };
  }

  /** The pipeline's backends: memory alone, Kafka and RabbitMQ beside their raw relays. */
  private static List<PipelineBench.Backend> pipelineBackends(String kafka, String amqpUrl) {
    return List.of(
        new PipelineBench.Backend("memory", b -> b.brokerType("memory"), Optional.empty()),
        new PipelineBench.Backend(
            "Kafka",
            b -> b.brokerType("kafka").set("kafka.bootstrap_servers", kafka),
            Optional.of(RawKafkaPipeline.on(kafka))),
        new PipelineBench.Backend(
            "RabbitMQ",
            b -> b.brokerType("amqp").set("amqp.url", amqpUrl),
            Optional.of(RawAmqpPipeline.on(amqpUrl))));
  }

  /**
   * On a tmpfs when there is one ({@code /dev/shm}): the disk's write-back stalls would otherwise
   * dominate the spread of every Kafka row, for raw and AgentMQ alike.
   */
  private static Path kafkaDataDirectory() throws java.io.IOException {
    Path shm = Path.of("/dev/shm");
    return Files.isDirectory(shm) && Files.isWritable(shm)
        ? Files.createTempDirectory(shm, "agentmq-bench-kafka-")
        : Files.createTempDirectory("agentmq-bench-kafka-");
  }

  /** Deletes {@code dir} and everything under it. */
  static void deleteRecursively(Path dir) throws java.io.IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private String command() {
    StringBuilder c = new StringBuilder("mq-bench/bench");
    if (quick) {
      c.append(" --quick");
    }
    if (rounds != null) {
      c.append(" --rounds ").append(rounds);
    }
    if (rawHeaders) {
      c.append(" --raw-headers");
    }
    if (pipelineRequests != null) {
      c.append(" --pipeline-requests ").append(pipelineRequests);
    }
    if (pipelineGitRequests != null) {
      c.append(" --pipeline-git-requests ").append(pipelineGitRequests);
    }
    if (pipelineRate != null) {
      c.append(" --pipeline-rate ").append(pipelineRate);
    }
    if (pipelineRateSeconds != null) {
      c.append(" --pipeline-rate-seconds ").append(pipelineRateSeconds);
    }
    if (only != null) {
      c.append(" --only ")
          .append(String.join(",", only.stream().map(Section::toString).sorted().toList()));
    }
    return c.toString();
  }

  private static Map<String, String> machine() {
    Map<String, String> m = new LinkedHashMap<>();
    Runtime rt = Runtime.getRuntime();
    m.put(
        "Machine",
        String.format(
            Locale.ROOT,
            "%d cores (%s), %s memory, %s %s",
            rt.availableProcessors(),
            cpuModel(),
            memTotal(),
            System.getProperty("os.name"),
            System.getProperty("os.version")));
    m.put(
        "JDK",
        System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vendor")
            + "), max heap "
            + (rt.maxMemory() >> 20)
            + " MiB");
    m.put("Date", LocalDate.now().toString());
    return m;
  }

  private static String cpuModel() {
    return procLine(Path.of("/proc/cpuinfo"), "model name").orElse("CPU model unknown");
  }

  private static String memTotal() {
    return procLine(Path.of("/proc/meminfo"), "MemTotal")
        .map(
            v ->
                String.format(
                    Locale.ROOT,
                    "%.1f GiB",
                    Long.parseLong(v.replaceAll("[^0-9]", "")) / 1048576.0))
        .orElse("unknown");
  }

  private static java.util.Optional<String> procLine(Path file, String key) {
    try {
      return Files.readAllLines(file).stream()
          .filter(l -> l.startsWith(key))
          .findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).strip());
    } catch (java.io.IOException e) {
      return java.util.Optional.empty();
    }
  }

  /** The broker's version as it reports it; the URL (with its credentials) is never printed. */
  private static String rabbitVersion(String url) {
    ConnectionFactory factory = new ConnectionFactory();
    try {
      factory.setUri(url);
      try (Connection c = factory.newConnection("agentmq-bench")) {
        return c.getServerProperties().get("version")
            + ", at "
            + factory.getHost()
            + ":"
            + factory.getPort();
      }
    } catch (Exception e) {
      throw new IllegalStateException(
          "RabbitMQ at "
              + factory.getHost()
              + ":"
              + factory.getPort()
              + " cannot be reached ("
              + e.getClass().getSimpleName()
              + "); start it or set AMQP_URL",
          e);
    }
  }
}
