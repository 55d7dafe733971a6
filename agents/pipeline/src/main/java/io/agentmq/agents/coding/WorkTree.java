package io.agentmq.agents.coding;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reaches the files of a working copy the way a task may: below its root only, and never through a
 * symbolic link, so that a link in the repository cannot turn a task's write or delete onto a file
 * elsewhere. Paths are first checked by {@link SafePaths}. One instance per task, under the working
 * copy's lock.
 */
final class WorkTree {
  private final Path root;

  /** The working tree at {@code root}, a directory (its real path is used). */
  WorkTree(Path root) throws IOException {
    this.root = root.toRealPath();
  }

  /**
   * The file of {@code path}, when neither it nor any directory on the way to it is a symbolic link
   * and every directory on the way that exists is a directory inside the working copy; what does
   * not exist yet is created later by {@link #createParents}.
   *
   * @throws TaskFailure naming the link or the file in the way
   */
  Path file(String path) throws IOException, TaskFailure {
    String[] names = SafePaths.checked(path).split("/");
    Path current = root;
    Path deepest = root; // the deepest directory on the way that exists
    for (int i = 0; i < names.length; i++) {
      current = current.resolve(names[i]);
      BasicFileAttributes found;
      try {
        found = Files.readAttributes(current, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        break; // nothing below exists either
      }
      if (found.isSymbolicLink()) {
        throw new TaskFailure(
            "cannot change "
                + path
                + ": "
                + root.relativize(current)
                + " is a symbolic link; a task never writes, reads or deletes through a link");
      }
      if (i < names.length - 1) {
        if (!found.isDirectory()) {
          throw new TaskFailure(
              "cannot change " + path + ": " + root.relativize(current) + " is not a directory");
        }
        deepest = current;
      }
    }
    // No link on the way, so this holds; checked all the same, as the last word on where we write.
    if (!deepest.toRealPath().startsWith(root)) {
      throw new TaskFailure("cannot change " + path + ": it lies outside the working copy");
    }
    return root.resolve(path);
  }

  /**
   * Each of {@code paths} reachable by {@link #file}; checked before the task reads or writes any,
   * so that a refused task leaves nothing behind.
   */
  void checkAll(Iterable<String> paths) throws IOException, TaskFailure {
    for (String path : paths) {
      file(path);
    }
  }

  /**
   * Creates the directories missing on the way to {@code file} (one of {@link #file}), one at a
   * time: a link that appeared meanwhile is refused, never followed.
   */
  void createParents(Path file) throws IOException {
    Path current = root;
    for (Path name : root.relativize(file.getParent())) {
      if (name.toString().isEmpty()) {
        continue; // the file is at the root
      }
      current = current.resolve(name);
      try {
        Files.createDirectory(current);
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
          throw new IOException(
              root.relativize(current) + " is no longer a directory; not writing through it", e);
        }
      }
    }
  }
}
