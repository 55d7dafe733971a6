package io.agentmq.agents.coding;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the lock files git leaves behind when a process is killed while it changes the index or a
 * branch ({@code index.lock}, {@code HEAD.lock}, {@code refs/heads/<branch>.lock}, ...), which
 * would otherwise fail every later task in the working copy.
 *
 * <p>Only to be called while holding the working copy's {@link CrossProcessLock}: then no other
 * agent is working in it, so such a file was left by an agent process that died. This assumes no
 * one runs git commands in a working copy the agent uses (a lock of such a command, running at that
 * moment, would be taken away from it); the agent has always needed that working copy to itself.
 */
final class StaleGitLocks {
  private static final Logger LOG = LoggerFactory.getLogger(StaleGitLocks.class);

  /** The lock files in the git directory that a task's git operations take. */
  private static final List<String> TOP_LEVEL =
      List.of("index.lock", "HEAD.lock", "packed-refs.lock", "config.lock");

  private StaleGitLocks() {}

  /** Removes every lock file a task's git operations could have left; returns those removed. */
  static List<Path> remove(Repository repo) throws IOException {
    Path gitDir = repo.getDirectory().toPath();
    List<Path> found = new ArrayList<>();
    for (String name : TOP_LEVEL) {
      found.add(gitDir.resolve(name));
    }
    Path heads = gitDir.resolve(Constants.R_HEADS);
    if (Files.isDirectory(heads)) {
      try (Stream<Path> refs = Files.walk(heads)) {
        refs.filter(p -> p.getFileName().toString().endsWith(".lock")).forEach(found::add);
      }
    }
    List<Path> removed = new ArrayList<>();
    for (Path lock : found) {
      if (Files.isRegularFile(lock) && Files.deleteIfExists(lock)) {
        removed.add(lock);
        LOG.warn(
            "Recovered a stale git lock: removed {}, left by an agent process that stopped while"
                + " holding it",
            lock);
      }
    }
    return removed;
  }
}
