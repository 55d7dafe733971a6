package io.agentmq.agents.coding;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.agents.CodingAgent;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.FileDelta;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
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
 * repository are applied one at a time, also across processes; tasks on different repositories run
 * in parallel. A delta that cannot be applied leaves the working copy as it was and gives a failed
 * result naming the file and why; an exception (worth a retry) leaves it the same way.
 *
 * <p>Survives its process being killed at any point of a task: the next task in the working copy
 * removes the git lock files the killed process left ({@link StaleGitLocks}) and undoes the files
 * it wrote but did not commit ({@link TaskJournal}), so the redelivered task commits once. A task
 * waits at most a minute for a working copy another live process works in, then throws an exception
 * (worth a retry) saying so.
 *
 * <p>Each step has a class of its own in this package; to change how the build runs, read {@link
 * BuildRunner}.
 */
public final class GitCodingAgent implements CodingAgent {
  /** The commit trailer that names the task a commit carries out. */
  public static final String TASK_TRAILER = "Agentmq-Task";

  /**
   * How long a task waits for a working copy another agent process works in before it fails with an
   * exception, to be retried: long enough for most tasks, short of a broker's delivery timeout.
   */
  static final Duration OTHER_PROCESS_WAIT = Duration.ofMinutes(1);

  private final WorkingCopies workingCopies = new WorkingCopies();
  private final GitCommitter committer;
  private final Optional<BuildRunner> builds;
  private final Duration otherProcessWait;

  @Inject
  public GitCodingAgent(AgentsConfig config) {
    this(config, OTHER_PROCESS_WAIT);
  }

  GitCodingAgent(AgentsConfig config, Duration otherProcessWait) {
    this.committer = new GitCommitter(CommitAuthor.parse(config.author()));
    this.builds = config.buildCommand().map(c -> new BuildRunner(c, config.buildTimeout()));
    this.otherProcessWait = otherProcessWait;
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
    try (WorkingCopies.Locked copy = workingCopies.lock(dir, otherProcessWait);
        Git git = Git.open(dir.toFile())) {
      Repository repo = git.getRepository();
      TaskCommitIndex taskCommits = copy.taskCommits();
      // What a killed agent process left, undone before anything else reads the working copy.
      StaleGitLocks.remove(repo);
      TaskJournal.recover(git, taskCommits);
      String branch = task.getBranch().isBlank() ? repo.getBranch() : task.getBranch().strip();
      results.onBranch(branch);
      if (!Repository.isValidRefName(Constants.R_HEADS + branch)) {
        return results.failed("'" + branch + "' is not a valid git branch name");
      }
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
      List<FileDelta> patches = task.getSkeletonPatchesList();
      DeltaApplier deltas = new DeltaApplier(git, dir);
      TaskJournal journal = null;
      try {
        BranchCheckout.switchTo(git, branch, patches);
        if (patches.isEmpty()) {
          // A step without patches: the branch head is its result.
          return GitCommitter.head(repo)
              .map(results::nothingToCommit)
              .orElseGet(
                  () ->
                      results.failed("no file changes for this task and the branch has no commit"));
        }
        journal = TaskJournal.begin(repo, task.getId(), branch, DeltaApplier.pathsOf(patches));
        List<String> changed = deltas.apply(patches);
        RevCommit commit = committer.commit(git, dir, task, changed);
        taskCommits.recordCommit(branch, task.getId(), commit);
        journal.delete();
        return builds.isPresent()
            ? results.committed(commit, changed, builds.get().run(dir))
            : results.committedWithoutBuild(commit, changed);
      } catch (TaskFailure e) {
        undo(deltas, journal);
        return results.failed(e.getMessage());
      } catch (IOException | GitAPIException | RuntimeException e) {
        undo(deltas, journal); // so the retry starts from the branch head
        throw e;
      }
    }
  }

  /** Puts back what the task wrote; then its journal is no longer needed. */
  private static void undo(DeltaApplier deltas, TaskJournal journal)
      throws IOException, GitAPIException {
    deltas.restore();
    if (journal != null) {
      journal.delete(); // kept when restoring failed: the next task restores from it
    }
  }

  @Override
  public String toString() {
    return "GitCodingAgent(build command " + (builds.isPresent() ? "set" : "none") + ")";
  }
}
