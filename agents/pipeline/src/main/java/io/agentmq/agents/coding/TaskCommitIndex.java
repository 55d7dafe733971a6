package io.agentmq.agents.coding;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Which commit on a branch of one repository carries out a task (its {@value
 * GitCodingAgent#TASK_TRAILER} trailer): read once from the history, then only the commits added
 * since, so checking for an earlier commit of a task does not walk the whole history every time.
 * Not thread safe: used under the working copy's lock.
 */
final class TaskCommitIndex {
  private static final int HISTORY_SCAN_LIMIT = 10_000;

  private final Map<String, Branch> branches = new HashMap<>();

  /** The commit on {@code branch} carrying out {@code taskId}, if any. */
  Optional<RevCommit> find(Repository repo, String branch, String taskId) throws IOException {
    Ref ref = repo.exactRef(Constants.R_HEADS + branch);
    if (ref == null || ref.getObjectId() == null) {
      return Optional.empty();
    }
    Branch index = branches.computeIfAbsent(branch, b -> new Branch());
    ObjectId head = ref.getObjectId();
    try (RevWalk walk = new RevWalk(repo)) {
      if (!head.equals(index.head)) {
        catchUp(walk, index, head);
      }
      ObjectId commit = index.tasks.get(taskId);
      return commit == null ? Optional.empty() : Optional.of(walk.parseCommit(commit));
    }
  }

  /** Records a commit just made on {@code branch}'s head, so the next look need not walk. */
  void recordCommit(String branch, String taskId, RevCommit commit) {
    Branch index = branches.get(branch);
    if (index != null && commit.getParentCount() == 1 && commit.getParent(0).equals(index.head)) {
      index.tasks.put(taskId, commit.copy());
      index.head = commit.copy();
    }
  }

  /** Reads the commits up to {@code head} that the index has not seen. */
  private static void catchUp(RevWalk walk, Branch index, ObjectId head) throws IOException {
    RevCommit start = walk.parseCommit(head);
    boolean incremental =
        index.head != null && walk.isMergedInto(walk.parseCommit(index.head), start);
    walk.reset();
    walk.markStart(start);
    if (incremental) {
      walk.markUninteresting(walk.parseCommit(index.head));
    } else {
      index.tasks.clear(); // first look, or the branch was rewritten
    }
    Map<String, ObjectId> found = new HashMap<>();
    int seen = 0;
    for (RevCommit c : walk) {
      for (String task : c.getFooterLines(GitCodingAgent.TASK_TRAILER)) {
        found.putIfAbsent(task, c.copy());
      }
      if (++seen >= HISTORY_SCAN_LIMIT) {
        break;
      }
    }
    index.tasks.putAll(found);
    index.head = head.copy();
  }

  private static final class Branch {
    ObjectId head;
    final Map<String, ObjectId> tasks = new HashMap<>();
  }
}
