package io.agentmq.agents.coding;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.agents.CodingAgent;
import io.agentmq.api.MqConfig;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.FileDelta;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference coding agent: applies a task's file deltas to the git working copy named by the
 * task's {@code repo} (a local path or a {@code file:} URL of a non-bare repository), on its {@code
 * branch} (created from the current commit when missing; the current branch when empty), commits
 * with a {@value #TASK_TRAILER} trailer, and runs the configured build command.
 *
 * <p>A task is a stranger's input: it may only name a working copy listed in {@code
 * agents.coding.repos}; its paths must pass git's own path rules (no {@code .git} at any depth, in
 * any letter case) and are never reached through a symbolic link, so it cannot touch a file outside
 * the working copy or under a {@code .git}; the build gets a clean environment, and its published
 * log has the agent's secrets masked. A task refused for any of these fails with the reason; what
 * the build then runs is still the task's content, so who may publish tasks is the broker's ACLs'
 * decision.
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

  private static final Logger LOG = LoggerFactory.getLogger(GitCodingAgent.class);

  private final WorkingCopies workingCopies;
  private final GitCommitter committer;
  private final Optional<BuildRunner> builds;
  private final Duration otherProcessWait;

  /**
   * The agent for {@code agents} settings; builds run with variables of this process's environment,
   * and the secrets of {@code config} and of that environment are masked in their logs.
   */
  @Inject
  public GitCodingAgent(AgentsConfig agents, MqConfig config) {
    this(agents, config, System.getenv(), OTHER_PROCESS_WAIT);
  }

  /** As the public constructor, with the agent's environment given (the build's parent). */
  GitCodingAgent(
      AgentsConfig agents,
      MqConfig config,
      Map<String, String> environment,
      Duration otherProcessWait) {
    this.workingCopies = new WorkingCopies(agents.repos());
    this.committer = new GitCommitter(CommitAuthor.parse(agents.author()));
    BuildEnvironment buildEnvironment = BuildEnvironment.of(environment, agents.buildEnv());
    SecretValues secrets = SecretValues.of(config, environment);
    this.builds =
        agents
            .buildCommand()
            .map(c -> new BuildRunner(c, agents.buildTimeout(), buildEnvironment, secrets));
    this.otherProcessWait = otherProcessWait;
    if (workingCopies.noneAllowed()) {
      LOG.warn(
          "{}.{} is empty: every coding task will be refused; list the working copies the coding"
              + " agent may change",
          AgentsConfig.SECTION,
          AgentsConfig.REPOS);
    }
  }

  @Override
  public Outcome apply(CodingTask task) throws IOException, GitAPIException {
    CodingResults results = new CodingResults(task);
    Path dir;
    List<String> paths;
    try {
      // Both before any file is touched.
      paths = DeltaApplier.pathsOf(task.getSkeletonPatchesList());
      dir = workingCopies.locate(task.getRepo());
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
        deltas.checkReachable(paths); // on the task's branch, before the journal reads them
        journal = TaskJournal.begin(repo, task.getId(), branch, paths);
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
