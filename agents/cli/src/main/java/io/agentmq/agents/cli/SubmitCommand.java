package io.agentmq.agents.cli;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.agents.OrchestratorModule;
import io.agentmq.agents.Pipeline;
import io.agentmq.agents.PipelineSchemas;
import io.agentmq.agents.RequestOutcome;
import io.agentmq.api.MqConfig;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.FileDelta;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Submits one change request to agents running elsewhere and waits for its outcome. */
@Command(
    name = "submit",
    mixinStandardHelpOptions = true,
    description = {
      "Submits a change request to the agents running elsewhere (agentmq run all) and waits for"
          + " its outcome. The request comes from a YAML/JSON file (ChangeRequest fields, e.g."
          + " description_md, repo, branch, file_deltas) or from the options; options win.",
      "Exit code: 0 completed, 1 failed or timed out, 2 bad input or broker unreachable."
    })
final class SubmitCommand implements Callable<Integer> {
  @Mixin BrokerOptions broker;

  @Spec CommandSpec spec;

  @Option(names = "--file", paramLabel = "FILE", description = "the request, YAML or JSON")
  Path file;

  @Option(names = "--description", paramLabel = "MARKDOWN", description = "what to change")
  String description;

  @Option(names = "--repo", paramLabel = "PATH|URL", description = "local repository or file: URL")
  String repo;

  @Option(names = "--branch", paramLabel = "NAME", description = "branch to commit on")
  String branch;

  @Option(
      names = "--add",
      paramLabel = "PATH=FILE",
      description = "add PATH to the repository with the content of local FILE")
  Map<String, Path> adds = Map.of();

  @Option(
      names = "--patch",
      paramLabel = "PATH=DIFF",
      description = "modify PATH with the unified diff in local file DIFF")
  Map<String, Path> patches = Map.of();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    ChangeRequest request = request();
    MqConfig base = broker.config();
    if (base.brokerType().equals("memory")) {
      throw new IllegalArgumentException(
          "submit talks to agents in other processes, and the memory backend lives inside one:"
              + " use 'agentmq demo', or a shared broker (--broker kafka or --broker amqp)");
    }
    // A group of its own, from now on: other orchestrators keep their results, and this one does
    // not replay history. It is deleted on the way out.
    String group =
        AgentsConfig.of(base).group(AgentsConfig.Role.ORCHESTRATOR)
            + ".submit-"
            + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("agents." + AgentsConfig.Role.ORCHESTRATOR.key(), group);
    settings.put("consumer.start_from", "latest");
    // Only the pipeline's own readers are declared up front, not this private group.
    base.declaredGroups()
        .forEach(
            (topic, groups) ->
                settings.put("topics." + topic + ".groups", String.join(",", groups)));
    MqConfig config = broker.config(settings);
    Pipeline pipeline = Pipeline.create(config, List.of(OrchestratorModule.NAME));
    Runnable cleanUp =
        TemporaryGroup.cleanUp(
            pipeline.queue(),
            group,
            pipeline.runtime()::close,
            pipeline::close,
            spec.commandLine().getErr());
    Thread hook = new Thread(cleanUp, "agentmq-submit-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      pipeline.start();
      out.printf(
          "submitted %s to %s on '%s'; waiting up to %d s%n",
          request.getId(),
          AgentsConfig.of(config).topics().planIn(),
          config.brokerType(),
          AgentsConfig.of(config).requestTimeout().toSeconds());
      out.flush();
      RequestOutcome outcome = pipeline.orchestrator().orElseThrow().submit(request).get();
      out.printf(
          "request %s %s in %d ms (trace %s)%n",
          outcome.requestId(),
          outcome.status().name().toLowerCase(Locale.ROOT),
          outcome.elapsed().toMillis(),
          outcome.traceId());
      for (CommitResult c : outcome.commits()) {
        out.printf(
            "  %s: %s %s %s%n",
            c.getTaskId(),
            c.getStatus() == CommitResult.Status.STATUS_COMMITTED ? "committed" : "failed",
            c.getCommitSha().isEmpty() ? c.getError() : c.getCommitSha(),
            c.getModifiedFilesList());
      }
      outcome.error().ifPresent(e -> out.println("  " + e));
      out.flush();
      return outcome.isCompleted() ? 0 : 1;
    } finally {
      cleanUp.run();
      Runtime.getRuntime().removeShutdownHook(hook);
    }
  }

  private ChangeRequest request() throws Exception {
    ChangeRequest.Builder b = ChangeRequest.newBuilder();
    if (file != null) {
      b.mergeFrom(
          ProtoJson.read(ProtoJson.prototype(PipelineSchemas.registry(), "ChangeRequest"), file));
    }
    if (description != null) {
      b.setDescriptionMd(description);
    }
    if (repo != null) {
      b.setRepo(repo);
    }
    if (!b.getRepo().isBlank()
        && !b.getRepo().contains(":")
        && Files.isDirectory(Path.of(b.getRepo()))) {
      // The agents run in other processes, in other directories.
      b.setRepo(Path.of(b.getRepo()).toAbsolutePath().normalize().toString());
    }
    if (branch != null) {
      b.setBranch(branch);
    }
    for (Map.Entry<String, Path> e : adds.entrySet()) {
      b.addFileDeltas(
          FileDelta.newBuilder()
              .setPath(e.getKey())
              .setOperation(FileDelta.Operation.OPERATION_ADD)
              .setNewContent(Files.readString(e.getValue())));
    }
    for (Map.Entry<String, Path> e : patches.entrySet()) {
      b.addFileDeltas(
          FileDelta.newBuilder()
              .setPath(e.getKey())
              .setOperation(FileDelta.Operation.OPERATION_MODIFY)
              .setUnifiedDiff(Files.readString(e.getValue())));
    }
    if (b.getRepo().isBlank()) {
      throw new IllegalArgumentException(
          "the request names no repository: give --repo or repo in --file");
    }
    if (b.getDescriptionMd().isBlank() && b.getFileDeltasCount() == 0) {
      throw new IllegalArgumentException(
          "the request is empty: give --description, --add, --patch or a --file with them");
    }
    if (b.getId().isBlank()) {
      b.setId(UUID.randomUUID().toString());
    }
    return b.build();
  }
}
