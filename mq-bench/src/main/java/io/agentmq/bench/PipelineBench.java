package io.agentmq.bench;

import com.google.inject.Module;
import io.agentmq.agents.AgentsConfig;
import io.agentmq.agents.CodingAgent;
import io.agentmq.agents.DemoRepository;
import io.agentmq.agents.DryRunCodingAgent;
import io.agentmq.agents.Orchestrator;
import io.agentmq.agents.Pipeline;
import io.agentmq.agents.PipelineLoad;
import io.agentmq.agents.PipelineTopics;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

/**
 * Change requests through the four agents (request planner → code planner → coding agent →
 * orchestrator) in one process, per backend: requests/s, p50/p99 per request and this JVM's CPU per
 * request, once with a coding agent that skips git (the messaging cost alone) and once with real
 * commits. Where the backend has a raw counterpart ({@link RawPipeline}: the same hops written on
 * the broker's own client), the git-free rows alternate raw and AgentMQ rounds after a warm-up of
 * each, as the other sections do; the memory backend and the git rows are absolute figures. {@link
 * #runFixedRate} measures the git-free pipeline open-loop instead: requests sent on a schedule,
 * latency from each one's scheduled send. Each run has topics of its own ({@code
 * agents.topic_prefix}), deleted afterwards.
 */
final class PipelineBench {
  /** The closed-loop rows. */
  static final String SECTION = "pipeline";

  /** The fixed-rate (open-loop) rows. */
  static final String RATE_SECTION = "pipeline-rate";

  private final List<Backend> backends;
  private final int dryRunRequests;
  private final int gitRequests;
  private final int inFlight;
  private final int rounds;

  /**
   * Numbers every run of the process, across instances (the throughput and fixed-rate sections are
   * two), so no two runs share a topic or a group.
   */
  private static final AtomicInteger RUNS = new AtomicInteger();

  private double agentWorkMicros = -1;

  /**
   * A backend's name, how to point a configuration at its broker, and its raw pipeline if it has
   * one.
   */
  record Backend(
      String name, UnaryOperator<MqConfig.Builder> configure, Optional<RawPipeline.Factory> raw) {}

  /** One round's figures: completed requests/s, p50 and p99 in ms, CPU µs per request. */
  private record Sample(double throughput, double p50, double p99, double cpu) {}

  /** What is done with a started pipeline: a load on its orchestrator. */
  @FunctionalInterface
  private interface Driver<T> {
    /**
     * @param backend the side's name for errors, e.g. {@code raw Kafka}
     * @param repo the repository the requests name
     */
    T drive(String backend, Orchestrator orchestrator, Path repo) throws Exception;
  }

  PipelineBench(
      List<Backend> backends, int dryRunRequests, int gitRequests, int inFlight, int rounds) {
    this.backends = backends;
    this.dryRunRequests = dryRunRequests;
    this.gitRequests = gitRequests;
    this.inFlight = inFlight;
    this.rounds = rounds;
  }

  List<Row> run() throws Exception {
    List<Row> rows = new ArrayList<>();
    for (Backend backend : backends) {
      rows.addAll(measure(backend, true, dryRunRequests));
      rows.addAll(measure(backend, false, gitRequests));
    }
    return rows;
  }

  private List<Row> measure(Backend backend, boolean dryRun, int requests) throws Exception {
    Rounds.Trial<Driver<Sample>> closed =
        round ->
            (name, orchestrator, repo) ->
                load(name, orchestrator, repo, round == 0 ? warmUp(requests) : requests);
    Optional<RawPipeline.Factory> raw = dryRun ? backend.raw() : Optional.empty();
    Rounds.Results<Sample> results =
        rounds(
            raw.map(factory -> round -> raw(backend, factory, closed.run(round))),
            round -> agentmq(backend, dryRun, closed.run(round)));
    String name =
        String.format(
            Locale.ROOT,
            "%s, %s, %,d requests, %d in flight",
            backend.name(),
            dryRun ? "coding agent without git" : "real git commits",
            requests,
            inFlight);
    List<Row> rows =
        new ArrayList<>(
            List.of(
                row(SECTION, name + ": throughput", "req/s", true, results, Sample::throughput),
                row(SECTION, name + ": p50", "ms", false, results, Sample::p50),
                row(SECTION, name + ": p99", "ms", false, results, Sample::p99),
                row(
                    SECTION,
                    name + ": CPU per request (this JVM: all four agents and the load)",
                    "µs/req",
                    false,
                    results,
                    Sample::cpu)));
    if (dryRun) {
      double agents = agentWork();
      rows.add(
          row(
              SECTION,
              String.format(
                  Locale.ROOT,
                  "%s: CPU per request for the messaging (less the agents' own %.1f µs)",
                  name,
                  agents),
              "µs/req",
              false,
              results,
              s -> s.cpu() - agents));
    }
    rows.forEach(System.out::println);
    return rows;
  }

  /**
   * The git-free pipeline under an open-loop load of {@code rate} requests/s ({@link
   * FixedRateLoad}), per backend: p50 and p99 from each request's scheduled send to its outcome,
   * and the completion rate achieved; raw relay and AgentMQ alternate where the backend has a raw
   * relay. Each round starts its pipeline afresh, sends for a settling period that is not recorded
   * (a fifth of {@code duration}, at most 2 s), then for {@code duration}; the warm-up round of
   * each side sends for a quarter of {@code duration}.
   */
  List<Row> runFixedRate(int rate, Duration duration) throws Exception {
    List<Row> rows = new ArrayList<>();
    for (Backend backend : backends) {
      rows.addAll(fixedRate(backend, rate, duration));
    }
    return rows;
  }

  private List<Row> fixedRate(Backend backend, int rate, Duration duration) throws Exception {
    Duration settle = Collections.min(List.of(Duration.ofSeconds(2), duration.dividedBy(5)));
    Rounds.Trial<Driver<FixedRateLoad.Result>> paced =
        round ->
            (name, orchestrator, repo) ->
                paced(
                    name,
                    orchestrator,
                    repo,
                    rate,
                    round == 0 ? Duration.ZERO : settle,
                    round == 0 ? duration.dividedBy(4) : duration);
    Rounds.Results<FixedRateLoad.Result> results =
        rounds(
            backend.raw().map(factory -> round -> raw(backend, factory, paced.run(round))),
            round -> agentmq(backend, true, paced.run(round)));
    String name =
        String.format(
            Locale.ROOT,
            "%s, coding agent without git, %,d requests/s for %s",
            backend.name(),
            rate,
            duration.toMillis() % 1000 == 0
                ? duration.toSeconds() + " s"
                : duration.toMillis() + " ms");
    List<Row> rows =
        List.of(
            row(RATE_SECTION, name + ": p50", "ms", false, results, r -> r.percentileMillis(50)),
            row(RATE_SECTION, name + ": p99", "ms", false, results, r -> r.percentileMillis(99)),
            row(
                RATE_SECTION,
                name + ": completed",
                "req/s",
                true,
                results,
                FixedRateLoad.Result::completionRate));
    rows.forEach(System.out::println);
    Row p99 = rows.get(1);
    if (p99.hasRaw()) {
      System.out.println(
          String.format(
              Locale.ROOT,
              "%-10s %s: AgentMQ p99 − raw p99 %+.2f ms",
              RATE_SECTION,
              name,
              p99.agentmqMedian() - p99.rawMedian()));
    }
    return rows;
  }

  /**
   * One paced round on a started pipeline; every request, settling ones included, must complete.
   */
  private static FixedRateLoad.Result paced(
      String backend,
      Orchestrator orchestrator,
      Path repo,
      int rate,
      Duration settle,
      Duration measured)
      throws Exception {
    FixedRateLoad.Result r =
        FixedRateLoad.run(
            orchestrator,
            i -> DemoRepository.loadRequest(repo, "agentmq/bench", i),
            rate,
            settle,
            measured);
    if (r.failed() > 0) {
      throw new IllegalStateException(
          r.failed()
              + " requests sent at "
              + rate
              + "/s failed on "
              + backend
              + r.firstFailure().flatMap(o -> o.error()).map(e -> ": " + e).orElse(""));
    }
    return r;
  }

  /**
   * Raw and AgentMQ alternating after a warm-up of each when there is a raw side, else the warm-up
   * and the rounds of AgentMQ alone.
   */
  private <T> Rounds.Results<T> rounds(Optional<Rounds.Trial<T>> raw, Rounds.Trial<T> agentmq)
      throws Exception {
    if (raw.isPresent()) {
      return Rounds.alternate(rounds, raw.get(), agentmq);
    }
    agentmq.run(0);
    List<T> samples = new ArrayList<>();
    for (int i = 1; i <= rounds; i++) {
      samples.add(agentmq.run(i));
    }
    return new Rounds.Results<>(List.of(), samples);
  }

  /**
   * The agents' own CPU per request without messaging ({@link AgentWork}), measured once per run on
   * as many requests as a pipeline round.
   */
  private double agentWork() throws Exception {
    if (agentWorkMicros < 0) {
      agentWorkMicros = AgentWork.cpuMicrosPerRequest(Math.max(1_000, dryRunRequests));
    }
    return agentWorkMicros;
  }

  private static int warmUp(int requests) {
    return Math.max(1, requests / 4);
  }

  private static <T> Row row(
      String section,
      String name,
      String unit,
      boolean higherIsBetter,
      Rounds.Results<T> results,
      ToDoubleFunction<T> figure) {
    return Row.of(
        section,
        name,
        unit,
        higherIsBetter,
        results.raw().stream().map(figure::applyAsDouble).toList(),
        results.agentmq().stream().map(figure::applyAsDouble).toList());
  }

  /** The run's configuration: its own topics; the coding agent may change {@code repo} only. */
  private MqConfig config(Backend backend, String prefix, Path repo) {
    MqConfig.Builder b =
        backend
            .configure()
            .apply(AgentsConfig.register(MqConfig.builder()))
            .set("agents.topic_prefix", prefix)
            .set("agents.coding.repos", repo.toString());
    return AgentsConfig.withReaders(b);
  }

  private String nextPrefix() {
    return "bench" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet() + ".";
  }

  /**
   * Submits {@code requests} and measures them: throughput and latency from the load, CPU of this
   * JVM while it ran (not the pipeline's start and stop).
   */
  private Sample load(String backend, Orchestrator orchestrator, Path repo, int requests)
      throws Exception {
    long cpuBefore = Rounds.processCpuNanos();
    PipelineLoad.Result r =
        PipelineLoad.run(
            orchestrator,
            i -> DemoRepository.loadRequest(repo, "agentmq/bench", i),
            requests,
            inFlight,
            PipelineLoad.Progress.NONE);
    double cpu = (Rounds.processCpuNanos() - cpuBefore) / 1e3 / requests;
    if (r.failed() > 0) {
      throw new IllegalStateException(
          r.failed()
              + " of "
              + requests
              + " requests failed on "
              + backend
              + r.firstFailure().flatMap(o -> o.error()).map(e -> ": " + e).orElse(""));
    }
    return new Sample(r.throughput(), r.percentileMillis(50), r.percentileMillis(99), cpu);
  }

  private <T> T agentmq(Backend backend, boolean dryRun, Driver<T> driver) throws Exception {
    String prefix = nextPrefix();
    Path repo = DemoRepository.create(Files.createTempDirectory("agentmq-bench-repo-"));
    MqConfig config = config(backend, prefix, repo);
    PipelineTopics topics = AgentsConfig.of(config).topics();
    List<Module> modules = new ArrayList<>();
    if (dryRun) {
      modules.add(Pipeline.binding(CodingAgent.class, new DryRunCodingAgent()));
    }
    try (MessageQueue queue = MessageQueue.create(config)) {
      try (Pipeline pipeline =
          Pipeline.create(queue, List.of("all"), modules.toArray(Module[]::new)).start()) {
        return driver.drive(backend.name(), pipeline.orchestrator().orElseThrow(), repo);
      } finally {
        topics.withDeadLetterTopics().forEach(queue.admin()::deleteTopic);
        Bench.deleteRecursively(repo);
      }
    }
  }

  /**
   * The raw side: the same topics (partitions as AgentMQ creates them) and request timeout; the
   * repository is only named in the requests, the git-free coding agent never opens it.
   */
  private <T> T raw(Backend backend, RawPipeline.Factory factory, Driver<T> driver)
      throws Exception {
    Path repo = Files.createTempDirectory("agentmq-bench-repo-");
    MqConfig config = config(backend, nextPrefix(), repo);
    AgentsConfig agents = AgentsConfig.of(config);
    PipelineTopics topics = agents.topics();
    try (RawPipeline pipeline =
        factory.start(
            topics, agents.requestTimeout(), config.topic(topics.planIn()).partitions())) {
      return driver.drive("raw " + backend.name(), pipeline.orchestrator(), repo);
    } finally {
      Bench.deleteRecursively(repo);
    }
  }
}
