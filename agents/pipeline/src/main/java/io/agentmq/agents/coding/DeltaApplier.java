package io.agentmq.agents.coding;

import io.agentmq.proto.v1.FileDelta;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.CoreConfig.EolStreamType;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.patch.FileHeader;
import org.eclipse.jgit.patch.Patch;
import org.eclipse.jgit.patch.PatchApplier;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.util.io.EolStreamTypeUtil;

/**
 * Writes one task's file deltas (new content, or a unified diff applied by JGit) into the working
 * copy, each file reached without following links ({@link WorkTree}) and replaced in one step
 * ({@link AtomicFiles}), remembering each path it touches so that {@link #restore()} can put them
 * back when the task fails. One instance per task, under the working copy's lock.
 */
final class DeltaApplier {
  /** What a unified diff is applied to, which decides its {@code ---} side. */
  private enum DiffTarget {
    NEW_FILE,
    EXISTING_FILE
  }

  private final Git git;
  private final WorkTree tree;
  private final List<String> touched = new ArrayList<>();

  DeltaApplier(Git git, Path dir) throws IOException {
    this.git = git;
    this.tree = new WorkTree(dir);
  }

  /**
   * The paths {@code deltas} change, each once, in order; or why one of them is refused by git's
   * path rules ({@link SafePaths}). Reads nothing: to be called before any file is touched.
   */
  static List<String> pathsOf(List<FileDelta> deltas) throws TaskFailure {
    LinkedHashSet<String> paths = new LinkedHashSet<>();
    for (FileDelta delta : deltas) {
      paths.add(SafePaths.checked(delta.getPath()));
    }
    return new ArrayList<>(paths);
  }

  /**
   * Refuses the task, before anything is read or written, when one of {@code paths} would be
   * reached through a symbolic link or through a file that is not a directory.
   */
  void checkReachable(List<String> paths) throws IOException, TaskFailure {
    tree.checkAll(paths);
  }

  /** Applies the deltas in order; returns the paths changed, each once, in that order. */
  List<String> apply(List<FileDelta> deltas) throws IOException, TaskFailure {
    LinkedHashSet<String> changed = new LinkedHashSet<>();
    for (FileDelta delta : deltas) {
      String path = SafePaths.checked(delta.getPath());
      Path file = tree.file(path);
      if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new TaskFailure("cannot change " + path + ": it is a directory");
      }
      boolean exists = Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
      FileDelta.Operation op = delta.getOperation();
      if (op == FileDelta.Operation.OPERATION_UNSPECIFIED
          || op == FileDelta.Operation.UNRECOGNIZED) {
        op = exists ? FileDelta.Operation.OPERATION_MODIFY : FileDelta.Operation.OPERATION_ADD;
      }
      switch (op) {
        case OPERATION_DELETE -> {
          if (!exists) {
            throw new TaskFailure("cannot delete " + path + ": no such file");
          }
          touched.add(path);
          Files.delete(file);
        }
        case OPERATION_ADD -> {
          if (exists) {
            throw new TaskFailure("cannot add " + path + ": the file already exists");
          }
          write(delta, path, file, DiffTarget.NEW_FILE);
        }
        case OPERATION_MODIFY -> {
          if (!exists) {
            throw new TaskFailure("cannot modify " + path + ": no such file");
          }
          write(delta, path, file, DiffTarget.EXISTING_FILE);
        }
        default -> throw new TaskFailure("unknown operation " + op + " for " + path);
      }
      changed.add(path);
    }
    return new ArrayList<>(changed);
  }

  private void write(FileDelta delta, String path, Path file, DiffTarget target)
      throws IOException, TaskFailure {
    switch (delta.getChangeCase()) {
      case NEW_CONTENT -> {
        touched.add(path);
        tree.createParents(file);
        AtomicFiles.write(file, delta.getNewContent().getBytes(StandardCharsets.UTF_8));
      }
      case UNIFIED_DIFF -> {
        touched.add(path);
        applyDiff(path, file, delta.getUnifiedDiff(), target);
      }
      default ->
          throw new TaskFailure(
              "the change to " + path + " has neither new_content nor unified_diff");
    }
  }

  /**
   * Applies a unified diff to {@code path}. Hunks alone, or a diff with {@code ---}/{@code +++}
   * lines, are both accepted; the file is always {@code path}, whatever the diff's headers say
   * about other files (a diff naming another file is refused). JGit applies it in memory, so that
   * the file is then replaced in one step; a file with CR-LF line ends keeps them.
   */
  private void applyDiff(String path, Path file, String diff, DiffTarget target)
      throws IOException, TaskFailure {
    byte[] before = target == DiffTarget.EXISTING_FILE ? Files.readAllBytes(file) : null;
    boolean crLf = before != null && RawText.isCrLfText(before);
    String text = withHeader(path, crLf ? diff.replace("\r\n", "\n") : diff, target);
    Patch patch = new Patch();
    try (InputStream in = new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))) {
      patch.parse(in);
    }
    if (!patch.getErrors().isEmpty() || patch.getFiles().isEmpty()) {
      throw new TaskFailure(
          "the unified diff for " + path + " does not parse: " + patch.getErrors());
    }
    for (FileHeader header : patch.getFiles()) {
      for (String named : List.of(header.getOldPath(), header.getNewPath())) {
        if (!named.equals(DiffEntry.DEV_NULL) && !named.equals(path)) {
          throw new TaskFailure(
              "the unified diff for "
                  + path
                  + " names another file, "
                  + named
                  + "; one diff per file");
        }
      }
    }
    Optional<byte[]> after = patched(path, before, patch);
    if (after.isEmpty()) {
      Files.deleteIfExists(file); // a diff deleting the file
      return;
    }
    tree.createParents(file);
    AtomicFiles.write(file, crLf ? toCrLf(after.get()) : after.get());
  }

  /**
   * What {@code patch} makes of a file holding {@code before} (none: a new file); empty when it
   * deletes the file. The patch is applied to a tree holding that file alone, written to the object
   * store as JGit's apply to the working tree writes its blobs; a later commit uses the result, and
   * git's garbage collection removes the rest.
   */
  private Optional<byte[]> patched(String path, byte[] before, Patch patch)
      throws IOException, TaskFailure {
    Repository repo = git.getRepository();
    try (ObjectInserter inserter = repo.newObjectInserter();
        ObjectReader reader = inserter.newReader();
        RevWalk walk = new RevWalk(reader)) {
      DirCache tree = DirCache.newInCore();
      DirCacheBuilder builder = tree.builder();
      if (before != null) {
        DirCacheEntry entry = new DirCacheEntry(path);
        entry.setFileMode(FileMode.REGULAR_FILE);
        entry.setObjectId(inserter.insert(Constants.OBJ_BLOB, before));
        builder.add(entry);
      }
      builder.finish();
      ObjectId treeId = tree.writeTree(inserter);
      inserter.flush();
      RevTree beforeTree = walk.parseTree(treeId);
      PatchApplier.Result applied = new PatchApplier(repo, beforeTree, inserter).applyPatch(patch);
      if (!applied.getErrors().isEmpty()) {
        throw new TaskFailure("the patch for " + path + " does not apply: " + applied.getErrors());
      }
      inserter.flush();
      try (TreeWalk result = TreeWalk.forPath(reader, path, applied.getTreeId())) {
        return result == null
            ? Optional.empty()
            : Optional.of(reader.open(result.getObjectId(0), Constants.OBJ_BLOB).getBytes());
      }
    }
  }

  /** The file of a path this applier touched, or why it is no longer reachable without a link. */
  private Path reachable(String path) throws IOException {
    try {
      return tree.file(path);
    } catch (TaskFailure e) {
      throw new IOException("not restoring " + path + ": " + e.getMessage());
    }
  }

  /** {@code text} with each line ending in CR-LF (JGit applies to a CR-LF file with LF ends). */
  private static byte[] toCrLf(byte[] text) throws IOException {
    try (InputStream in =
        EolStreamTypeUtil.wrapInputStream(
            new ByteArrayInputStream(text), EolStreamType.TEXT_CRLF)) {
      return in.readAllBytes();
    }
  }

  /** The diff as JGit parses it: a {@code diff --git} header added to bare hunks. */
  private static String withHeader(String path, String diff, DiffTarget target) throws TaskFailure {
    String body = diff.endsWith("\n") ? diff : diff + "\n";
    if (body.startsWith("diff --git ")) {
      return body;
    }
    int hunks = body.startsWith("@@") ? 0 : body.indexOf("\n@@");
    if (hunks < 0) {
      throw new TaskFailure("the unified diff for " + path + " has no hunk (no line starting @@)");
    }
    StringBuilder text = new StringBuilder();
    text.append("diff --git a/").append(path).append(" b/").append(path).append('\n');
    switch (target) {
      case NEW_FILE -> text.append("new file mode 100644\n--- /dev/null\n");
      case EXISTING_FILE -> text.append("--- a/").append(path).append('\n');
    }
    text.append("+++ b/").append(path).append('\n');
    text.append(body, hunks == 0 ? 0 : hunks + 1, body.length());
    return text.toString();
  }

  /**
   * Puts the paths this applier touched back as the branch head has them (or removes them when the
   * head has none); the rest of the working copy is left alone. Each was reached without a link
   * when touched; one that no longer is, is not removed.
   */
  void restore() throws IOException, GitAPIException {
    Repository repo = git.getRepository();
    ObjectId head = repo.resolve(Constants.HEAD);
    RevCommit headCommit = null;
    if (head != null) {
      try (RevWalk walk = new RevWalk(repo)) {
        headCommit = walk.parseCommit(head);
      }
    }
    for (String path : touched) {
      boolean inHead = false;
      if (headCommit != null) {
        try (TreeWalk inTree = TreeWalk.forPath(repo, path, headCommit.getTree())) {
          inHead = inTree != null;
        }
      }
      if (inHead) {
        git.checkout().setStartPoint(headCommit).addPath(path).call(); // index and file
      } else {
        if (headCommit != null) {
          git.reset().addPath(path).call(); // unstage what a patch may have staged
        }
        Files.deleteIfExists(reachable(path));
      }
    }
  }
}
