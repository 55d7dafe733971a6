package io.agentmq.agents.coding;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.ObjectChecker;

/**
 * Checks a path a task names by git's own rules for a path in a tree (JGit's {@link ObjectChecker},
 * with the Windows and macOS rules on whatever the host): relative, no empty, {@code .} or {@code
 * ..} name, and no {@code .git} at any depth in any letter case or spelling a file system folds to
 * it. Purely lexical: {@link WorkTree} then reaches the file without following links.
 */
final class SafePaths {
  private static final String ACCEPTED =
      "accepted: a relative path inside the repository, names separated by '/', none of them"
          + " empty, '.', '..' or .git in any letter case, nor a name Windows or macOS reserves";

  private SafePaths() {}

  /** {@code path}, checked; or why it is refused. */
  static String checked(String path) throws TaskFailure {
    try {
      // A new checker each time: it is cheap, and keeps state for the objects it checks.
      new ObjectChecker().setSafeForWindows(true).setSafeForMacOS(true).checkPath(path);
    } catch (CorruptObjectException e) {
      throw new TaskFailure(
          "file path '" + path + "' is refused (" + e.getMessage() + "); " + ACCEPTED);
    }
    return path;
  }
}
