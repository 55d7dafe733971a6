package io.agentmq.agents.coding;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.agents.CodingAgent;
import io.agentmq.proto.v1.CodingTask;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * The reference coding agent: applies a task's file deltas to the git working copy named by the
 * task's {@code repo} (a local path or a {@code file:} URL of a non-bare repository), on its {@code
 * branch} (created from the current commit when missing; the current branch when empty), commits
 * with a {@value #TASK_TRAILER} trailer, and runs the configured build command.
 *
 * <p>Idempotent: a task whose commit is already on the branch (a redelivery after a crash between
 * commit and acknowledgement) is answered with that commit, not committed twice. Tasks on one
 * repository are applied one at a time; tasks on different repositories run in parallel. A delta
 * that cannot be applied leaves the working copy as it was and gives a failed result naming the
 * file and why; an exception (worth a retry) leaves it the same way.
 *
 * <p>Each step has a class of its own in this package; to change how the build runs, read {@link
 * BuildRunner}.
 */
public final class GitCodingAgent implements CodingAgent {
  /** The commit trailer that names the task a commit carries out. */
  public static final String TASK_TRAILER = "Agentmq-Task";

  private final WorkingCopies workingCopies = new WorkingCopies();
  private final GitCommitter committer;
  private final Optional<BuildRunner> builds;

  @Inject
  public GitCodingAgent(AgentsConfig config) {
    this.committer = new GitCommitter(CommitAuthor.parse(config.author()));
    this.builds = config.buildCommand().map(c -> new BuildRunner(c, config.buildTimeout()));
  }

  @Override
  public Outcome apply(CodingTask task) throws IOException, GitAPIException {
    CodingResults results = new CodingResults(task);
    Path dir;
    try {
      dir = WorkingCopies.locate(task.getRepo());
    } catch (TaskFailure e) {
      return results.failed(e.getMessage());
    }
    try (WorkingCopies.Locked copy = workingCopies.lock(dir);
        Git git = Git.open(dir.toFile())) {
      Repository repo = git.getRepository();
      String branch = task.getBranch().isBlank() ? repo.getBranch() : task.getBranch().strip();
      results.onBranch(branch);
      if (!Repository.isValidRefName(Constants.R_HEADS + branch)) {
        return results.failed("'" + branch + "' is not a valid git branch name");
      }
      TaskCommitIndex taskCommits = copy.taskCommits();
      Optional<RevCommit> done = taskCommits.find(repo, branch, task.getId());
      if (done.isPresent()) {
        return results.alreadyCommitted(done.get(), GitCommitter.filesChangedBy(repo, done.get()));
      }
      for (String dependency : task.getDependenciesList()) {
        if (taskCommits.find(repo, branch, dependency).isEmpty()) {
          return results.failed(
              "depends on task " + dependency + ", which has no commit on " + branch);
        }
      }
      DeltaApplier deltas = new DeltaApplier(git, dir);
      try {
        BranchCheckout.switchTo(git, branch, task.getSkeletonPatchesList());
        List<String> changed = deltas.apply(task.getSkeletonPatchesList());
        if (changed.isEmpty()) {
          // A step without patches: the branch head is its result.
          return GitCommitter.head(repo)
              .map(results::nothingToCommit)
              .orElseGet(
                  () ->
                      results.failed("no file changes for this task and the branch has no commit"));
        }
        RevCommit commit = committer.commit(git, dir, task, changed);
        taskCommits.recordCommit(branch, task.getId(), commit);
        return builds.isPresent()
            ? results.committed(commit, changed, builds.get().run(dir))
            : results.committedWithoutBuild(commit, changed);
      } catch (TaskFailure e) {
        deltas.restore();
        return results.failed(e.getMessage());
      } catch (IOException | GitAPIException | RuntimeException e) {
        deltas.restore(); // so the retry starts from the branch head
        throw e;
      }
    }
  }

  @Override
  public String toString() {
    return "GitCodingAgent(build command " + (builds.isPresent() ? "set" : "none") + ")";
  }
}
