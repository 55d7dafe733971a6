package io.agentmq.agents;

import io.agentmq.proto.v1.BuildReport;
import io.agentmq.proto.v1.BuildStatus;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.FileDelta;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A coding agent that touches no repository: each task succeeds with the files it would change and
 * no commit SHA, and a skipped build. For measuring what the pipeline's messaging costs without git
 * ({@code agentmq demo --dry-run}); never for real work.
 */
public final class DryRunCodingAgent implements CodingAgent {
  @Override
  public Outcome apply(CodingTask task) {
    Set<String> files = new LinkedHashSet<>();
    for (FileDelta d : task.getSkeletonPatchesList()) {
      files.add(d.getPath());
    }
    CommitResult commit =
        CommitResult.newBuilder()
            .setId("commit-" + task.getId())
            .setTaskId(task.getId())
            .setRequestId(task.getRequestId())
            .setBranch(task.getBranch())
            .setStatus(CommitResult.Status.STATUS_COMMITTED)
            .addAllModifiedFiles(files)
            .build();
    BuildReport build =
        BuildReport.newBuilder()
            .setId("build-" + task.getId())
            .setTaskId(task.getId())
            .setRequestId(task.getRequestId())
            .setStatus(BuildStatus.BUILD_STATUS_SKIPPED)
            .setLogExcerpt("dry run: no repository touched")
            .build();
    return new Outcome(commit, build);
  }
}
