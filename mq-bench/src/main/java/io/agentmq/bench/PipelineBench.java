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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

/**
 * Change requests through the four agents (request planner → code planner → coding agent →
 * orchestrator) in one process, per backend: requests/s, p50/p99 per request and this JVM's CPU per
 * request, once with a coding agent that skips git (the messaging cost alone) and once with real
 * commits. Where the backend has a raw counterpart ({@link RawPipeline}: the same hops written on
 * the broker's own client), the git-free rows alternate raw and AgentMQ rounds after a warm-up of
 * each, as the other sections do; the memory backend and the git rows are absolute figures. Each
 * run has topics of its own ({@code agents.topic_prefix}), deleted afterwards.
 */
final class PipelineBench {
  private final List<Backend> backends;
  private final int dryRunRequests;
  private final int gitRequests;
  private final int inFlight;
  private final int rounds;
  private int runs;

  /**
   * A backend's name, how to point a configuration at its broker, and its raw pipeline if it has
   * one.
   */
  record Backend(
      String name, UnaryOperator<MqConfig.Builder> configure, Optional<RawPipeline.Factory> raw) {}

  /** One round's figures: completed requests/s, p50 and p99 in ms, CPU µs per request. */
  private record Sample(double throughput, double p50, double p99, double cpu) {}

  /** One timed load on a pipeline, given the number of requests. */
  @FunctionalInterface
  private interface Load {
    Sample run(int requests) throws Exception;
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
    Load agentmq = n -> agentmq(backend, dryRun, n);
    Optional<RawPipeline.Factory> raw = dryRun ? backend.raw() : Optional.empty();
    Rounds.Results<Sample> results;
    if (raw.isPresent()) {
      Load rawLoad = n -> raw(backend, raw.get(), n);
      results =
          Rounds.alternate(
              rounds,
              round -> rawLoad.run(round == 0 ? warmUp(requests) : requests),
              round -> agentmq.run(round == 0 ? warmUp(requests) : requests));
    } else {
      agentmq.run(warmUp(requests));
      List<Sample> samples = new ArrayList<>();
      for (int i = 0; i < rounds; i++) {
        samples.add(agentmq.run(requests));
      }
      results = new Rounds.Results<>(List.of(), samples);
    }
    String name =
        String.format(
            Locale.ROOT,
            "%s, %s, %,d requests, %d in flight",
            backend.name(),
            dryRun ? "coding agent without git" : "real git commits",
            requests,
            inFlight);
    List<Row> rows =
        List.of(
            row(name + ": throughput", "req/s", true, results, Sample::throughput),
            row(name + ": p50", "ms", false, results, Sample::p50),
            row(name + ": p99", "ms", false, results, Sample::p99),
            row(
                name + ": CPU per request (this JVM: all four agents and the load)",
                "µs/req",
                false,
                results,
                Sample::cpu));
    rows.forEach(System.out::println);
    return rows;
  }

  private static int warmUp(int requests) {
    return Math.max(1, requests / 4);
  }

  private static Row row(
      String name,
      String unit,
      boolean higherIsBetter,
      Rounds.Results<Sample> results,
      ToDoubleFunction<Sample> figure) {
    return Row.of(
        "pipeline",
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
    return "bench" + ProcessHandle.current().pid() + "-" + (++runs) + ".";
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

  private Sample agentmq(Backend backend, boolean dryRun, int requests) throws Exception {
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
        return load(backend.name(), pipeline.orchestrator().orElseThrow(), repo, requests);
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
  private Sample raw(Backend backend, RawPipeline.Factory factory, int requests) throws Exception {
    Path repo = Files.createTempDirectory("agentmq-bench-repo-");
    MqConfig config = config(backend, nextPrefix(), repo);
    AgentsConfig agents = AgentsConfig.of(config);
    PipelineTopics topics = agents.topics();
    try (RawPipeline pipeline =
        factory.start(
            topics, agents.requestTimeout(), config.topic(topics.planIn()).partitions())) {
      return load("raw " + backend.name(), pipeline.orchestrator(), repo, requests);
    } finally {
      Bench.deleteRecursively(repo);
    }
  }
}
