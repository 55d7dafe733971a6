package io.agentmq.agents.coding;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jgit.lib.Constants;

/**
 * Finds the local working copy a task names, and lets one task at a time work in each, with the
 * {@link TaskCommitIndex} of that repository: one thread of this agent (an in-process lock), and
 * one process ({@link CrossProcessLock}). Thread safe.
 */
final class WorkingCopies {
  private static final String ACCEPTED =
      "accepted: a local path or file: URL of a non-bare git repository";

  private final Map<Path, Copy> copies = new ConcurrentHashMap<>();

  /** The directory of a local, non-bare repository named by a path or a {@code file:} URL. */
  static Path locate(String repo) throws TaskFailure {
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
      dir = Path.of(repo);
    }
    dir = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir.resolve(Constants.DOT_GIT))) {
      throw new TaskFailure("'" + dir + "' is not a git working copy (no .git); " + ACCEPTED);
    }
    return dir;
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
