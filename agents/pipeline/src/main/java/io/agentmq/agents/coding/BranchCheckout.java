package io.agentmq.agents.coding;

import io.agentmq.proto.v1.FileDelta;
import java.io.IOException;
import java.util.List;
import java.util.TreeSet;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.StatusCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;

/** Puts the working copy on a task's branch, refusing to when that would touch someone's edits. */
final class BranchCheckout {
  private BranchCheckout() {}

  /**
   * Switches to {@code branch} (created from the current commit when missing). The working copy
   * must have no uncommitted change in the task's paths, and none at all to switch branches. Only
   * those are checked on the same branch: a full status walks every file of the working tree.
   */
  static void switchTo(Git git, String branch, List<FileDelta> deltas)
      throws IOException, GitAPIException, TaskFailure {
    Repository repo = git.getRepository();
    boolean switching = !branch.equals(repo.getBranch());
    StatusCommand status = git.status();
    if (!switching) {
      if (deltas.isEmpty()) {
        return;
      }
      for (FileDelta d : deltas) {
        status.addPath(SafePaths.checked(d.getPath()));
      }
    }
    Status found = status.call();
    if (found.hasUncommittedChanges()) {
      throw new TaskFailure(
          "the working copy has uncommitted changes ("
              + String.join(", ", new TreeSet<>(found.getUncommittedChanges()))
              + "); commit or stash them first");
    }
    if (!switching) {
      return;
    }
    boolean exists = repo.exactRef(Constants.R_HEADS + branch) != null;
    boolean unborn = repo.resolve(Constants.HEAD) == null;
    git.checkout()
        .setName(branch)
        .setCreateBranch(!exists && !unborn)
        .setOrphan(!exists && unborn)
        .call();
  }
}
