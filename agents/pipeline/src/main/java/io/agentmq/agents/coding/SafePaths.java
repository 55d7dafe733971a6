package io.agentmq.agents.coding;

import java.nio.file.Path;
import org.eclipse.jgit.lib.Constants;

/** Checks that a path a task names stays inside the working copy and out of {@code .git}. */
final class SafePaths {
  private static final String ACCEPTED =
      "accepted: a relative path inside the repository, outside .git";

  private SafePaths() {}

  /** {@code path} normalised, or why it is refused. */
  static String checked(String path) throws TaskFailure {
    if (path.isBlank() || path.contains("\\") || path.indexOf('\0') >= 0) {
      throw new TaskFailure("file path '" + path + "' is not usable; " + ACCEPTED);
    }
    Path p = Path.of(path).normalize();
    String normal = p.toString();
    if (p.isAbsolute()
        || normal.equals("..")
        || normal.startsWith("../")
        || normal.isEmpty()
        || normal.equals(Constants.DOT_GIT)
        || normal.startsWith(Constants.DOT_GIT + "/")) {
      throw new TaskFailure("file path '" + path + "' is outside the working tree; " + ACCEPTED);
    }
    return normal;
  }
}
