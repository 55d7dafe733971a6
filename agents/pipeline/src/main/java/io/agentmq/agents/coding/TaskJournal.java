package io.agentmq.agents.coding;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a task's paths held before the task wrote them, kept on disk ({@value #DIRECTORY}/ in the
 * git directory) from before its first write until its commit, so that the next task can undo the
 * writes of one whose process was killed before it committed. One instance per task, under the
 * working copy's {@link CrossProcessLock}.
 */
final class TaskJournal {
  private static final Logger LOG = LoggerFactory.getLogger(TaskJournal.class);

  /** The directory in {@code .git} holding the journal of the task under way, if any. */
  static final String DIRECTORY = "agentmq-journal";

  private static final String FORMAT = "agentmq-journal 1";

  /** What a path was before the task. */
  private enum Kind {
    ABSENT,
    FILE,
    SYMLINK
  }

  /** One path as it was: its content (a file's bytes, a link's target) and permissions. */
  private record Before(String path, Kind kind, byte[] content, String permissions) {}

  private final Path file;

  private TaskJournal(Path file) {
    this.file = file;
  }

  /**
   * Records what {@code paths} of the working tree hold now, durably, before the task writes any of
   * them. A path that is a directory is not recorded: no delta replaces a directory. The paths are
   * reachable without a link ({@link DeltaApplier#checkReachable}).
   */
  static TaskJournal begin(Repository repo, String taskId, String branch, List<String> paths)
      throws IOException {
    Path tree = repo.getWorkTree().toPath();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeString(out, FORMAT);
      writeString(out, taskId);
      writeString(out, branch);
      List<Before> befores = new ArrayList<>();
      for (String path : paths) {
        Path p = tree.resolve(path);
        if (Files.isSymbolicLink(p)) {
          byte[] target = Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8);
          befores.add(new Before(path, Kind.SYMLINK, target, ""));
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          befores.add(new Before(path, Kind.FILE, Files.readAllBytes(p), permissions(p)));
        } else if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
          befores.add(new Before(path, Kind.ABSENT, new byte[0], ""));
        }
      }
      out.writeInt(befores.size());
      for (Before b : befores) {
        writeString(out, b.path());
        out.writeByte(b.kind().ordinal());
        writeString(out, b.permissions());
        out.writeInt(b.content().length);
        out.write(b.content());
      }
    }
    Path dir = repo.getDirectory().toPath().resolve(DIRECTORY);
    Files.createDirectories(dir);
    Path journal = dir.resolve(fileName(taskId));
    AtomicFiles.writeDurably(journal, bytes.toByteArray());
    return new TaskJournal(journal);
  }

  /** Forgets the task's earlier contents: it committed, or its writes were undone. Idempotent. */
  void delete() throws IOException {
    Files.deleteIfExists(file);
  }

  /**
   * Undoes what a task whose process was killed wrote before its commit: its paths get back what
   * they held and are unstaged, and its journal is deleted. A task that did commit (killed after
   * the commit) keeps its commit; only its journal goes. To be called before anything else in a
   * working copy, under its {@link CrossProcessLock} and after {@link StaleGitLocks#remove}.
   */
  static void recover(Git git, TaskCommitIndex taskCommits) throws IOException, GitAPIException {
    Repository repo = git.getRepository();
    Path dir = repo.getDirectory().toPath().resolve(DIRECTORY);
    if (!Files.isDirectory(dir)) {
      return;
    }
    List<Path> left;
    try (Stream<Path> files = Files.list(dir)) {
      left = files.sorted().toList();
    }
    for (Path journal : left) {
      if (AtomicFiles.isTemporary(journal)) {
        Files.deleteIfExists(journal); // a journal not complete: the task had written nothing
        continue;
      }
      Left task = read(journal);
      if (taskCommits.find(repo, task.branch(), task.taskId()).isPresent()) {
        LOG.warn(
            "Task {} committed on {} before its agent process stopped; dropping its journal",
            task.taskId(),
            task.branch());
      } else {
        restore(git, task.befores());
        LOG.warn(
            "Task {} stopped before its commit; rolled back its files {}",
            task.taskId(),
            task.befores().stream().map(Before::path).toList());
      }
      Files.delete(journal);
    }
  }

  /** A journal a task left. */
  private record Left(String taskId, String branch, List<Before> befores) {}

  private static Left read(Path journal) throws IOException {
    try (DataInputStream in =
        new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(journal)))) {
      if (!FORMAT.equals(readString(in))) {
        throw new IOException("not a journal");
      }
      String taskId = readString(in);
      String branch = readString(in);
      int count = in.readInt();
      List<Before> befores = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        String path = readString(in);
        Kind kind = Kind.values()[in.readUnsignedByte()];
        String permissions = readString(in);
        byte[] content = in.readNBytes(in.readInt());
        befores.add(new Before(SafePaths.checked(path), kind, content, permissions));
      }
      return new Left(taskId, branch, befores);
    } catch (IOException | TaskFailure | RuntimeException e) {
      // Journals are moved into place whole, so only damage to the disk gets here.
      throw new IOException(
          "the task journal "
              + journal
              + " cannot be read ("
              + e.getMessage()
              + "); check the task's files in the working copy, then delete the journal",
          e);
    }
  }

  private static void restore(Git git, List<Before> befores) throws IOException, GitAPIException {
    WorkTree tree = new WorkTree(git.getRepository().getWorkTree().toPath());
    for (Before b : befores) {
      Path p;
      try {
        p = tree.file(b.path());
      } catch (TaskFailure e) {
        // A link where the task wrote: restoring through it could write anywhere.
        LOG.warn("Not restoring {}: {}", b.path(), e.getMessage());
        continue;
      }
      Files.deleteIfExists(AtomicFiles.temporaryOf(p));
      switch (b.kind()) {
        case ABSENT -> Files.deleteIfExists(p);
        case FILE -> {
          tree.createParents(p);
          AtomicFiles.write(p, b.content());
          if (!b.permissions().isEmpty()
              && Files.getFileAttributeView(p, PosixFileAttributeView.class) != null) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(b.permissions()));
          }
        }
        case SYMLINK -> {
          Files.deleteIfExists(p);
          tree.createParents(p);
          Files.createSymbolicLink(p, Path.of(new String(b.content(), StandardCharsets.UTF_8)));
        }
      }
    }
    unstage(git, befores.stream().map(Before::path).toList());
  }

  /**
   * Puts the index entries of {@code paths} back as HEAD has them (none, for a path HEAD lacks).
   */
  private static void unstage(Git git, List<String> paths) throws IOException, GitAPIException {
    Repository repo = git.getRepository();
    if (repo.resolve(Constants.HEAD) != null) {
      ResetCommand reset = git.reset();
      paths.forEach(reset::addPath);
      reset.call();
      return;
    }
    DirCache index = repo.lockDirCache(); // no commit yet: nothing to reset to
    try {
      DirCacheEditor edit = index.editor();
      paths.forEach(p -> edit.add(new DirCacheEditor.DeletePath(p)));
      edit.commit();
    } finally {
      index.unlock();
    }
  }

  private static String permissions(Path p) throws IOException {
    PosixFileAttributeView view =
        Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    return view == null ? "" : PosixFilePermissions.toString(view.readAttributes().permissions());
  }

  /** A readable, safe file name for a task id (ids hold slashes), unique by a hash of the id. */
  private static String fileName(String taskId) {
    String readable = taskId.replaceAll("[^A-Za-z0-9_-]", "_");
    if (readable.length() > 60) {
      readable = readable.substring(0, 60);
    }
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(taskId.getBytes(StandardCharsets.UTF_8));
      return readable + "-" + HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    return new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
  }
}
