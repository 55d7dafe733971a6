package io.agentmq.agents.cli;

import com.google.inject.Module;
import io.agentmq.agents.AgentsConfig;
import io.agentmq.agents.CodingAgent;
import io.agentmq.agents.DemoRepository;
import io.agentmq.agents.DryRunCodingAgent;
import io.agentmq.agents.Orchestrator;
import io.agentmq.agents.Pipeline;
import io.agentmq.agents.PipelineLoad;
import io.agentmq.agents.RequestOutcome;
import io.agentmq.agents.runtime.Hop;
import io.agentmq.api.MqConfig;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.CommitResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the four agents in one process and pushes change requests through them. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the four agents in one process on the configured backend (memory by default),"
          + " creates a throwaway git repository, submits a change request, shows each hop with"
          + " its trace id and ends with the commits (git log --stat).",
      "With --requests N, pushes N requests through and prints throughput and p50/p99 latency."
    })
final class DemoCommand implements java.util.concurrent.Callable<Integer> {
  @Mixin BrokerOptions broker;

  @Spec CommandSpec spec;

  @Option(
      names = "--requests",
      paramLabel = "N",
      defaultValue = "1",
      description = "change requests to push through (default: ${DEFAULT-VALUE})")
  int requests;

  @Option(
      names = "--in-flight",
      paramLabel = "N",
      defaultValue = "64",
      description = "requests outstanding at once with --requests (default: ${DEFAULT-VALUE})")
  int inFlight;

  @Option(
      names = "--dry-run",
      description =
          "a coding agent that writes no git commit (each task reports the files it would change):"
              + " what the messaging costs alone")
  boolean dryRun;

  @Option(
      names = "--repo",
      paramLabel = "DIR",
      description = "where to create the demo repository (default: a new temporary directory)")
  Path repo;

  @Override
  public Integer call() throws Exception {
    if (requests < 1 || inFlight < 1) {
      throw new IllegalArgumentException("--requests and --in-flight take a number of at least 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    broker.config(); // a bad setting fails here, before a repository is made
    if (repo != null && Files.isDirectory(repo)) {
      try (java.util.stream.Stream<Path> entries = Files.list(repo)) {
        if (entries.findAny().isPresent()) {
          throw new IllegalArgumentException(
              "--repo "
                  + repo
                  + " is not empty; the demo creates its repository in a new or empty"
                  + " directory");
        }
      }
    }
    Path dir =
        DemoRepository.create(repo != null ? repo : Files.createTempDirectory("agentmq-demo-"));
    // The demo's coding agent may change the demo's repository, and only that.
    MqConfig config =
        broker.config(Map.of(AgentsConfig.SECTION + "." + AgentsConfig.REPOS, dir.toString()));
    boolean single = requests == 1;
    Hop.Listener printer = single ? hop -> printHop(out, hop) : Hop.Listener.NONE;
    List<Module> modules = new ArrayList<>(List.of(Pipeline.binding(Hop.Listener.class, printer)));
    if (dryRun) {
      modules.add(Pipeline.binding(CodingAgent.class, new DryRunCodingAgent()));
    }
    try (Pipeline pipeline =
        Pipeline.create(config, List.of("all"), modules.toArray(Module[]::new))) {
      out.printf(
          "AgentMQ demo on the '%s' backend; %s%n",
          pipeline.queue().backend(), dryRun ? "dry run: no git commits" : "repository " + dir);
      out.flush();
      pipeline.start();
      Orchestrator orchestrator = pipeline.orchestrator().orElseThrow();
      return single ? one(out, config, orchestrator, dir) : many(out, config, orchestrator, dir);
    }
  }

  private int one(PrintWriter out, MqConfig config, Orchestrator orchestrator, Path dir)
      throws Exception {
    ChangeRequest request =
        DemoRepository.healthRequest(dir).toBuilder().setId(UUID.randomUUID().toString()).build();
    out.printf(
        "  submitting change request %s to %s: %s%n",
        request.getId(),
        AgentsConfig.of(config).topics().planIn(),
        request.getDescriptionMd().lines().findFirst().orElse(""));
    out.flush();
    RequestOutcome outcome = orchestrator.submit(request).get();
    out.printf(
        "%nRequest %s %s in %d ms (trace %s)%n",
        outcome.requestId(),
        outcome.status().name().toLowerCase(Locale.ROOT),
        outcome.elapsed().toMillis(),
        outcome.traceId());
    outcome.error().ifPresent(e -> out.println("  " + e));
    List<String> shas = new ArrayList<>();
    for (CommitResult c : outcome.commits()) {
      if (!c.getCommitSha().isEmpty() && !shas.contains(c.getCommitSha())) {
        shas.add(c.getCommitSha());
      }
    }
    if (!shas.isEmpty()) {
      out.printf("%n$ git -C %s log --stat %s%n", dir, outcome.commits().get(0).getBranch());
      out.print(DemoRepository.logStat(dir, shas));
    }
    out.flush();
    return outcome.isCompleted() ? 0 : 1;
  }

  private int many(PrintWriter out, MqConfig config, Orchestrator orchestrator, Path dir)
      throws Exception {
    PipelineLoad.Result r =
        PipelineLoad.run(
            orchestrator,
            i -> DemoRepository.loadRequest(dir, "agentmq/load", i),
            requests,
            inFlight,
            (completed, failed, seconds) -> {
              out.printf(
                  Locale.ROOT,
                  "  %d/%d completed, %d failed, %.0f s%n",
                  completed,
                  requests,
                  failed,
                  seconds);
              out.flush();
            });
    out.printf(
        "%n%d request(s) through 4 hops on '%s': %d completed, %d failed in %.2f s%n",
        requests, config.brokerType(), r.completed(), r.failed(), r.seconds());
    out.printf(
        Locale.ROOT,
        "throughput %.1f requests/s; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d in flight)%n",
        r.throughput(),
        r.percentileMillis(50),
        r.percentileMillis(99),
        r.latency().getMaxValue() / 1000.0,
        inFlight);
    r.firstFailure()
        .ifPresent(
            o ->
                out.printf(
                    "first failure: request %s: %s%n", o.requestId(), o.error().orElse("?")));
    out.flush();
    return r.failed() == 0 ? 0 : 1;
  }

  private static void printHop(PrintWriter out, Hop hop) {
    synchronized (out) {
      out.printf(
          Locale.ROOT,
          "  trace %s  %-15s <- %-14s %-13s span %s (parent %s) -> %s  %.1f ms%s%n",
          hop.trace().traceId(),
          hop.service(),
          hop.topic(),
          hop.type().substring(hop.type().lastIndexOf('.') + 1),
          hop.trace().spanId(),
          hop.trace().parentSpanId(),
          hop.outputs().isEmpty() ? "(done)" : String.join(", ", hop.outputs()),
          hop.latency().toNanos() / 1e6,
          hop.failure().map(f -> "  FAILED: " + f).orElse(""));
      out.flush();
    }
  }
}
