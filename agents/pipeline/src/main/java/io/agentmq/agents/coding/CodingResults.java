package io.agentmq.agents.coding;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.agents.CodingAgent.Outcome;
import io.agentmq.proto.v1.BuildReport;
import io.agentmq.proto.v1.BuildStatus;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.CommitResult;
import java.time.Duration;
import java.util.List;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * The outcomes one task can end with, each a commit result and a build report carrying the task's
 * ids: one named factory per way a task ends. Not thread safe: one instance per task.
 */
final class CodingResults {
  private final CodingTask task;
  private final CommitResult.Builder commit;

  CodingResults(CodingTask task) {
    this.task = task;
    this.commit =
        CommitResult.newBuilder()
            .setId("commit-" + task.getId())
            .setTaskId(task.getId())
            .setRequestId(task.getRequestId());
  }

  /** Names the branch in every outcome made from now on. */
  void onBranch(String branch) {
    commit.setBranch(branch);
  }

  /** The task's new commit, and the build run after it. */
  Outcome committed(RevCommit made, List<String> files, BuildRunner.Result build) {
    BuildReport.Builder report =
        report()
            .setStatus(
                build.succeeded()
                    ? BuildStatus.BUILD_STATUS_SUCCEEDED
                    : BuildStatus.BUILD_STATUS_FAILED)
            .setLogExcerpt(build.log())
            .setDuration(duration(build.took()));
    return new Outcome(committedAs(made, files), report.build());
  }

  /** The task's new commit, not built because no build command is configured. */
  Outcome committedWithoutBuild(RevCommit made, List<String> files) {
    return new Outcome(
        committedAs(made, files),
        skipped(
            "no build command configured ("
                + AgentsConfig.SECTION
                + "."
                + AgentsConfig.BUILD_COMMAND
                + ")"));
  }

  /** The commit an earlier delivery of the task made; not built again. */
  Outcome alreadyCommitted(RevCommit earlier, List<String> files) {
    // A commit with the task's trailer but no change (made by hand) reads like a task without one.
    String why = files.isEmpty() ? "no files changed" : "already committed by an earlier delivery";
    return new Outcome(committedAs(earlier, files), skipped(why));
  }

  /** A task without file changes: the branch head it leaves as it was is its result. */
  Outcome nothingToCommit(RevCommit head) {
    return new Outcome(committedAs(head, List.of()), skipped("no files changed"));
  }

  /** A task that cannot be carried out, and why; retrying would not help. */
  Outcome failed(String reason) {
    CommitResult result =
        commit.clone().setStatus(CommitResult.Status.STATUS_FAILED).setError(reason).build();
    return new Outcome(result, skipped("not built: the task failed"));
  }

  private CommitResult committedAs(RevCommit made, List<String> files) {
    return commit
        .clone()
        .setStatus(CommitResult.Status.STATUS_COMMITTED)
        .setCommitSha(made.getName())
        .addAllModifiedFiles(files)
        .build();
  }

  private BuildReport skipped(String why) {
    return report().setStatus(BuildStatus.BUILD_STATUS_SKIPPED).setLogExcerpt(why).build();
  }

  private BuildReport.Builder report() {
    return BuildReport.newBuilder()
        .setId("build-" + task.getId())
        .setTaskId(task.getId())
        .setRequestId(task.getRequestId());
  }

  private static com.google.protobuf.Duration duration(Duration took) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(took.getSeconds())
        .setNanos(took.getNano())
        .build();
  }
}
