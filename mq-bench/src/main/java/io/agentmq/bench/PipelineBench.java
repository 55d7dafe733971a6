package io.agentmq.bench;

import com.google.inject.Module;
import io.agentmq.agents.AgentsConfig;
import io.agentmq.agents.CodingAgent;
import io.agentmq.agents.DemoRepository;
import io.agentmq.agents.DryRunCodingAgent;
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
import java.util.function.UnaryOperator;

/**
 * Change requests through the four agents (request planner → code planner → coding agent →
 * orchestrator) in one process, per backend: requests/s and p50/p99 per request, once with a coding
 * agent that skips git (the messaging cost alone) and once with real commits. Each run has topics
 * of its own ({@code agents.topic_prefix}), deleted afterwards. There is no raw-client counterpart:
 * these rows are absolute figures.
 */
final class PipelineBench {
  private final List<Backend> backends;
  private final int dryRunRequests;
  private final int gitRequests;
  private final int inFlight;
  private final int rounds;
  private int runs;

  /** A backend's name and how to point a configuration at its broker. */
  record Backend(String name, UnaryOperator<MqConfig.Builder> configure) {}

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
    List<Double> throughput = new ArrayList<>();
    List<Double> p50 = new ArrayList<>();
    List<Double> p99 = new ArrayList<>();
    List<Double> cpu = new ArrayList<>();
    run(backend, dryRun, Math.max(1, requests / 4)); // warm-up
    for (int i = 0; i < rounds; i++) {
      long cpuBefore = Rounds.processCpuNanos();
      PipelineLoad.Result r = run(backend, dryRun, requests);
      cpu.add((Rounds.processCpuNanos() - cpuBefore) / 1e3 / requests);
      throughput.add(r.throughput());
      p50.add(r.percentileMillis(50));
      p99.add(r.percentileMillis(99));
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
            Row.of("pipeline", name + ": throughput", "req/s", true, List.of(), throughput),
            Row.of("pipeline", name + ": p50", "ms", false, List.of(), p50),
            Row.of("pipeline", name + ": p99", "ms", false, List.of(), p99),
            Row.of(
                "pipeline",
                name + ": CPU per request (this JVM: all four agents and the load)",
                "µs/req",
                false,
                List.of(),
                cpu));
    rows.forEach(System.out::println);
    return rows;
  }

  private PipelineLoad.Result run(Backend backend, boolean dryRun, int requests) throws Exception {
    String prefix = "bench" + ProcessHandle.current().pid() + "-" + (++runs) + ".";
    Path repo = DemoRepository.create(Files.createTempDirectory("agentmq-bench-repo-"));
    MqConfig.Builder b =
        backend
            .configure()
            .apply(AgentsConfig.register(MqConfig.builder()))
            .set("agents.topic_prefix", prefix)
            // The coding agent changes only the working copies it is allowed.
            .set("agents.coding.repos", repo.toString());
    MqConfig config = AgentsConfig.withReaders(b);
    PipelineTopics topics = AgentsConfig.of(config).topics();
    List<Module> modules = new ArrayList<>();
    if (dryRun) {
      modules.add(Pipeline.binding(CodingAgent.class, new DryRunCodingAgent()));
    }
    try (MessageQueue queue = MessageQueue.create(config)) {
      try (Pipeline pipeline =
          Pipeline.create(queue, List.of("all"), modules.toArray(Module[]::new)).start()) {
        PipelineLoad.Result result =
            PipelineLoad.run(
                pipeline.orchestrator().orElseThrow(),
                i -> DemoRepository.loadRequest(repo, "agentmq/bench", i),
                requests,
                inFlight,
                PipelineLoad.Progress.NONE);
        if (result.failed() > 0) {
          throw new IllegalStateException(
              result.failed()
                  + " of "
                  + requests
                  + " requests failed on "
                  + backend.name()
                  + result.firstFailure().flatMap(o -> o.error()).map(e -> ": " + e).orElse(""));
        }
        return result;
      } finally {
        topics.withDeadLetterTopics().forEach(queue.admin()::deleteTopic);
        Bench.deleteRecursively(repo);
      }
    }
  }
}
