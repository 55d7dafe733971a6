package io.agentmq.agents.coding;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;

/**
 * Replaces a file in one step: the content goes to a new temporary sibling, which is then moved
 * over the file, so a process killed at any moment leaves the old content or the new, never part of
 * either. Neither step follows a symbolic link: the move replaces a link itself.
 */
final class AtomicFiles {
  private static final String TEMP_SUFFIX = ".agentmq-tmp";

  private AtomicFiles() {}

  /**
   * Replaces {@code file} with {@code content}, keeping the permissions of the file it replaces.
   * Not forced to disk: a killed process loses nothing the kernel has, and the task journal covers
   * the working tree.
   */
  static void write(Path file, byte[] content) throws IOException {
    Path temp = writeTemp(file, content);
    moveIntoPlace(temp, file);
  }

  /**
   * As {@link #write}, forced to disk with its directory entry, so it outlives a power loss too.
   */
  static void writeDurably(Path file, byte[] content) throws IOException {
    Path temp = writeTemp(file, content);
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      channel.force(true);
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    moveIntoPlace(temp, file);
    forceDirectory(file.getParent());
  }

  /**
   * The temporary sibling a write of {@code file} goes through. Always the same name, so that what
   * a killed writer left can be found and removed (one task writes in a working copy at a time).
   */
  static Path temporaryOf(Path file) {
    return file.resolveSibling("." + file.getFileName() + TEMP_SUFFIX);
  }

  /** Whether {@code file} is a temporary sibling of another. */
  static boolean isTemporary(Path file) {
    return file.getFileName().toString().endsWith(TEMP_SUFFIX);
  }

  private static Path writeTemp(Path file, byte[] content) throws IOException {
    Path temp = temporaryOf(file);
    // A new file, never one that is there: a link planted under the temporary name would otherwise
    // take the content elsewhere. What is there was left by a killed writer (deleting a link
    // removes the link itself).
    Files.deleteIfExists(temp);
    try {
      Files.write(
          temp,
          content,
          StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS);
      PosixFileAttributeView replaced =
          Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      if (replaced != null && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        // A script stays executable when a task changes it.
        Files.setPosixFilePermissions(temp, replaced.readAttributes().permissions());
      }
      return temp;
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  private static void moveIntoPlace(Path temp, Path file) throws IOException {
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some platforms cannot open a directory; there the move is atomic but its durability is
      // the file system's.
    }
  }
}
