package io.agentmq.agents.coding;

import io.agentmq.agents.AgentsConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.eclipse.jgit.lib.Constants;

/**
 * Finds the working copy a task names among those the agent may change ({@code
 * agents.coding.repos}, compared by real path), and lets one task at a time work in each, with the
 * {@link TaskCommitIndex} of that repository: one thread of this agent (an in-process lock), and
 * one process ({@link CrossProcessLock}). Thread safe.
 */
final class WorkingCopies {
  private static final String ACCEPTED =
      "accepted: a local path or file: URL of a non-bare git repository";

  private final List<Path> allowed;
  private final Map<Path, Copy> copies = new ConcurrentHashMap<>();

  /** Working copies that tasks may name: {@code allowed}, each the root of a working copy. */
  WorkingCopies(List<Path> allowed) {
    this.allowed = List.copyOf(allowed);
  }

  /** Whether no working copy is allowed, so that every task is refused. */
  boolean noneAllowed() {
    return allowed.isEmpty();
  }

  /**
   * The real path of the allowed working copy named by a path or a {@code file:} URL. Whether a
   * path that is not allowed exists, or is a repository, is not told.
   */
  Path locate(String repo) throws TaskFailure {
    if (repo.isBlank()) {
      throw new TaskFailure("the task names no repository; " + ACCEPTED);
    }
    Path dir;
    if (repo.startsWith("file:")) {
      try {
        dir = Path.of(URI.create(repo));
      } catch (IllegalArgumentException e) {
        throw new TaskFailure("repository '" + repo + "' is not a valid file: URL; " + ACCEPTED);
      }
    } else if (repo.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*") || repo.matches("^[^/]+@[^/]+:.*")) {
      throw new TaskFailure("repository '" + repo + "' is remote; " + ACCEPTED);
    } else {
      try {
        dir = Path.of(repo);
      } catch (InvalidPathException e) {
        throw new TaskFailure("repository '" + repo + "' is not a valid path; " + ACCEPTED);
      }
    }
    Path real = realPath(dir.toAbsolutePath().normalize());
    boolean isAllowed = false;
    for (Path root : allowed) {
      isAllowed |= realPath(root).equals(real);
    }
    if (!isAllowed) {
      throw new TaskFailure(
          "repository '"
              + repo
              + "' is not a working copy this agent may change; allowed ("
              + AgentsConfig.SECTION
              + "."
              + AgentsConfig.REPOS
              + "): "
              + (allowed.isEmpty()
                  ? "none, the setting is empty"
                  : allowed.stream().map(Path::toString).collect(Collectors.joining(", "))));
    }
    if (!Files.isDirectory(real.resolve(Constants.DOT_GIT))) {
      throw new TaskFailure("'" + real + "' is not a git working copy (no .git); " + ACCEPTED);
    }
    return real;
  }

  /** {@code path} with every link resolved, or as it is when it does not exist (yet). */
  private static Path realPath(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      return path;
    }
  }

  /**
   * Waits until no other task works in {@code dir}: without limit for the tasks of this agent, at
   * most {@code otherProcesses} for those of another process. Closing the result lets the next one
   * in.
   *
   * @throws WorkingCopyBusyException when another process still holds it after that wait
   */
  Locked lock(Path dir, Duration otherProcesses) throws IOException {
    Copy copy = copies.computeIfAbsent(dir, d -> new Copy());
    copy.lock.lock();
    try {
      return new Locked(
          copy, CrossProcessLock.acquire(dir.resolve(Constants.DOT_GIT), otherProcesses));
    } catch (IOException | RuntimeException e) {
      copy.lock.unlock();
      throw e;
    }
  }

  private static final class Copy {
    final ReentrantLock lock = new ReentrantLock();
    final TaskCommitIndex taskCommits = new TaskCommitIndex();
  }

  /** A working copy one task holds; close it on the thread that locked it. */
  static final class Locked implements AutoCloseable {
    private final Copy copy;
    private final CrossProcessLock acrossProcesses;
    private boolean closed;

    private Locked(Copy copy, CrossProcessLock acrossProcesses) {
      this.copy = copy;
      this.acrossProcesses = acrossProcesses;
    }

    /** The repository's task index; only to be used while this lock is held. */
    TaskCommitIndex taskCommits() {
      return copy.taskCommits;
    }

    /** Releases the working copy; idempotent. */
    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        try {
          acrossProcesses.close();
        } finally {
          copy.lock.unlock();
        }
      }
    }
  }
}
