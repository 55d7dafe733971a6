package io.agentmq.agents.coding;

import io.agentmq.proto.v1.CodingTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.api.AddCommand;
import org.eclipse.jgit.api.CommitCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.RmCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.dircache.DirCacheIterator;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;
import org.eclipse.jgit.util.io.DisabledOutputStream;

/**
 * Commits a task's paths, and only them, with a message ending in the task's {@value
 * GitCodingAgent#TASK_TRAILER} trailer; and reads commits back (the branch head, a commit's files).
 */
final class GitCommitter {
  private final CommitAuthor author;

  GitCommitter(CommitAuthor author) {
    this.author = author;
  }

  /** Stages {@code changed} (added or removed as the working copy has them) and commits them. */
  RevCommit commit(Git git, Path dir, CodingTask task, List<String> changed)
      throws GitAPIException, IOException {
    AddCommand add = git.add();
    RmCommand rm = git.rm();
    boolean adds = false;
    boolean removes = false;
    for (String path : changed) {
      if (Files.exists(dir.resolve(path), LinkOption.NOFOLLOW_LINKS)) {
        add.addFilepattern(path);
        adds = true;
      } else {
        rm.addFilepattern(path);
        removes = true;
      }
    }
    if (adds) {
      add.call();
    }
    if (removes) {
      rm.call();
    }
    // A new identity per commit: JGit's PersonIdent carries the time it was made.
    PersonIdent now = author.ident();
    CommitCommand commit =
        git.commit().setAuthor(now).setCommitter(now).setMessage(message(task)).setSign(false);
    if (stagedBeyond(git.getRepository(), changed)) {
      // Someone else staged changes too: commit the task's paths alone (slower: walks the files).
      changed.forEach(commit::setOnly);
    }
    return commit.call();
  }

  /** The task's goal, its request, and the trailer that marks the commit as the task's. */
  static String message(CodingTask task) {
    String goal = task.getGoal().isBlank() ? "Apply task " + task.getId() : task.getGoal().strip();
    return goal
        + "\n\nRequest: "
        + task.getRequestId()
        + "\n"
        + GitCodingAgent.TASK_TRAILER
        + ": "
        + task.getId()
        + "\n";
  }

  /** The commit the current branch points at; empty on a branch with no commit yet. */
  static Optional<RevCommit> head(Repository repo) throws IOException {
    ObjectId head = repo.resolve(Constants.HEAD);
    if (head == null) {
      return Optional.empty();
    }
    try (RevWalk walk = new RevWalk(repo)) {
      return Optional.of(walk.parseCommit(head));
    }
  }

  /** The paths {@code commit} changes from its first parent (or adds, for a root commit). */
  static List<String> filesChangedBy(Repository repo, RevCommit commit) throws IOException {
    List<String> files = new ArrayList<>();
    try (DiffFormatter diff = new DiffFormatter(DisabledOutputStream.INSTANCE);
        RevWalk walk = new RevWalk(repo)) {
      diff.setRepository(repo);
      RevCommit parent = commit.getParentCount() > 0 ? walk.parseCommit(commit.getParent(0)) : null;
      for (DiffEntry e : diff.scan(parent == null ? null : parent.getTree(), commit.getTree())) {
        files.add(
            e.getChangeType() == DiffEntry.ChangeType.DELETE ? e.getOldPath() : e.getNewPath());
      }
    }
    return files;
  }

  /** Whether the index differs from HEAD in a path outside {@code paths}; reads no files. */
  private static boolean stagedBeyond(Repository repo, List<String> paths) throws IOException {
    ObjectId head = repo.resolve(Constants.HEAD + "^{tree}");
    try (TreeWalk walk = new TreeWalk(repo)) {
      walk.setRecursive(true);
      if (head == null) {
        walk.addTree(new EmptyTreeIterator());
      } else {
        walk.addTree(head);
      }
      walk.addTree(new DirCacheIterator(repo.readDirCache()));
      walk.setFilter(TreeFilter.ANY_DIFF);
      while (walk.next()) {
        if (!paths.contains(walk.getPathString())) {
          return true;
        }
      }
    }
    return false;
  }
}
