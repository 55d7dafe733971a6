package io.agentmq.agents;

import io.agentmq.proto.v1.BuildReport;
import io.agentmq.proto.v1.BuildStatus;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.FileDelta;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jgit.api.AddCommand;
import org.eclipse.jgit.api.CommitCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.RmCommand;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.StatusCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.dircache.DirCacheIterator;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.patch.FileHeader;
import org.eclipse.jgit.patch.Patch;
import org.eclipse.jgit.patch.PatchApplier;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;
import org.eclipse.jgit.util.io.DisabledOutputStream;

/**
 * The reference coding agent: applies a task's file deltas to the git working copy named by the
 * task's {@code repo} (a local path or a {@code file:} URL of a non-bare repository), on its {@code
 * branch} (created from the current commit when missing; the current branch when empty), commits
 * with a {@code Agentmq-Task} trailer, and runs the configured build command.
 *
 * <p>Idempotent: a task whose commit is already on the branch (a redelivery after a crash between
 * commit and acknowledgement) is answered with that commit, not committed twice. Tasks on one
 * repository are applied one at a time. A delta that cannot be applied leaves the working copy as
 * it was and gives a failed result naming the file and why.
 */
public final class GitCodingAgent implements CodingAgent {
  /** The commit trailer that names the task a commit carries out. */
  public static final String TASK_TRAILER = "Agentmq-Task";

  private static final int HISTORY_SCAN_LIMIT = 10_000;
  private static final int LOG_EXCERPT_CHARS = 4_000;

  private final AgentsConfig config;
  private final PersonIdent author;
  private final Map<Path, WorkingCopy> workingCopies = new ConcurrentHashMap<>();

  @Inject
  public GitCodingAgent(AgentsConfig config) {
    this.config = config;
    String a = config.author();
    this.author =
        new PersonIdent(
            a.substring(0, a.indexOf('<')).strip(),
            a.substring(a.indexOf('<') + 1, a.indexOf('>')));
  }

  @Override
  public Outcome apply(CodingTask task) throws IOException, GitAPIException {
    CommitResult.Builder result =
        CommitResult.newBuilder()
            .setId("commit-" + task.getId())
            .setTaskId(task.getId())
            .setRequestId(task.getRequestId());
    Path dir;
    try {
      dir = workingCopy(task.getRepo());
    } catch (TaskFailure e) {
      return failed(task, result, e.getMessage());
    }
    WorkingCopy copy = workingCopies.computeIfAbsent(dir, d -> new WorkingCopy());
    copy.lock.lock();
    try (Git git = Git.open(dir.toFile())) {
      Repository repo = git.getRepository();
      String branch = task.getBranch().isBlank() ? repo.getBranch() : task.getBranch().strip();
      result.setBranch(branch);
      if (!Repository.isValidRefName(Constants.R_HEADS + branch)) {
        return failed(task, result, "'" + branch + "' is not a valid git branch name");
      }
      Optional<RevCommit> done = copy.findTaskCommit(repo, branch, task.getId());
      if (done.isPresent()) {
        return committed(task, result, dir, done.get(), changedFiles(repo, done.get()), false);
      }
      for (String dependency : task.getDependenciesList()) {
        if (copy.findTaskCommit(repo, branch, dependency).isEmpty()) {
          return failed(
              task, result, "depends on task " + dependency + ", which has no commit on " + branch);
        }
      }
      List<String> touched = new ArrayList<>();
      try {
        checkout(git, branch, task.getSkeletonPatchesList());
        List<String> changed = applyDeltas(repo, dir, task.getSkeletonPatchesList(), touched);
        if (changed.isEmpty()) {
          // Nothing to change (a step without patches): the branch head is the result.
          ObjectId head = repo.resolve(Constants.HEAD);
          if (head == null) {
            return failed(
                task, result, "no file changes for this task and the branch has no commit");
          }
          try (RevWalk walk = new RevWalk(repo)) {
            return committed(task, result, dir, walk.parseCommit(head), List.of(), false);
          }
        }
        RevCommit commit = commit(git, dir, task, changed);
        copy.committed(branch, task.getId(), commit);
        return committed(task, result, dir, commit, changed, true);
      } catch (TaskFailure e) {
        restore(git, dir, touched);
        return failed(task, result, e.getMessage());
      } catch (IOException | GitAPIException | RuntimeException e) {
        restore(git, dir, touched); // so the retry starts from the branch head
        throw e;
      }
    } finally {
      copy.lock.unlock();
    }
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

  /** Stages the changed paths and commits them, and only them. */
  private RevCommit commit(Git git, Path dir, CodingTask task, List<String> changed)
      throws GitAPIException, IOException {
    AddCommand add = git.add();
    RmCommand rm = git.rm();
    boolean adds = false;
    boolean removes = false;
    for (String path : changed) {
      if (Files.exists(dir.resolve(path))) {
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
    CommitCommand commit =
        git.commit()
            .setAuthor(author)
            .setCommitter(author)
            .setMessage(message(task))
            .setSign(false);
    if (stagedBeyond(git.getRepository(), changed)) {
      // Someone else staged changes too: commit the task's paths alone (slower: walks the files).
      changed.forEach(commit::setOnly);
    }
    return commit.call();
  }

  private static String message(CodingTask task) {
    String goal = task.getGoal().isBlank() ? "Apply task " + task.getId() : task.getGoal().strip();
    return goal
        + "\n\nRequest: "
        + task.getRequestId()
        + "\n"
        + TASK_TRAILER
        + ": "
        + task.getId()
        + "\n";
  }

  /** The directory of a local, non-bare repository named by a path or a {@code file:} URL. */
  static Path workingCopy(String repo) throws TaskFailure {
    String accepted = "accepted: a local path or file: URL of a non-bare git repository";
    if (repo.isBlank()) {
      throw new TaskFailure("the task names no repository; " + accepted);
    }
    Path dir;
    if (repo.startsWith("file:")) {
      try {
        dir = Path.of(URI.create(repo));
      } catch (IllegalArgumentException e) {
        throw new TaskFailure("repository '" + repo + "' is not a valid file: URL; " + accepted);
      }
    } else if (repo.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*") || repo.matches("^[^/]+@[^/]+:.*")) {
      throw new TaskFailure("repository '" + repo + "' is remote; " + accepted);
    } else {
      dir = Path.of(repo);
    }
    dir = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir.resolve(Constants.DOT_GIT))) {
      throw new TaskFailure("'" + dir + "' is not a git working copy (no .git); " + accepted);
    }
    return dir;
  }

  /**
   * Switches to {@code branch} (created from the current commit when missing). The working copy
   * must have no uncommitted change in the task's paths, and none at all to switch branches. Only
   * those are checked on the same branch: a full status walks every file of the working tree.
   */
  private static void checkout(Git git, String branch, List<FileDelta> deltas)
      throws IOException, GitAPIException, TaskFailure {
    Repository repo = git.getRepository();
    boolean switching = !branch.equals(repo.getBranch());
    StatusCommand status = git.status();
    if (!switching) {
      if (deltas.isEmpty()) {
        return;
      }
      for (FileDelta d : deltas) {
        status.addPath(checkedPath(d.getPath()));
      }
    }
    Status found = status.call();
    if (found.hasUncommittedChanges()) {
      throw new TaskFailure(
          "the working copy has uncommitted changes ("
              + String.join(", ", new java.util.TreeSet<>(found.getUncommittedChanges()))
              + "); commit or stash them first");
    }
    if (!switching) {
      return;
    }
    boolean exists = repo.exactRef(Constants.R_HEADS + branch) != null;
    boolean unborn = repo.resolve(Constants.HEAD) == null;
    git.checkout()
        .setName(branch)
        .setCreateBranch(!exists && !unborn)
        .setOrphan(!exists && unborn)
        .call();
  }

  /** Applies the deltas; {@code touched} gets each path before it is written, for a rollback. */
  private static List<String> applyDeltas(
      Repository repo, Path dir, List<FileDelta> deltas, List<String> touched)
      throws IOException, TaskFailure {
    LinkedHashSet<String> changed = new LinkedHashSet<>();
    for (FileDelta delta : deltas) {
      String path = checkedPath(delta.getPath());
      Path file = dir.resolve(path);
      boolean exists = Files.isRegularFile(file);
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
        case OPERATION_ADD, OPERATION_MODIFY -> {
          boolean add = op == FileDelta.Operation.OPERATION_ADD;
          if (add && exists) {
            throw new TaskFailure("cannot add " + path + ": the file already exists");
          }
          if (!add && !exists) {
            throw new TaskFailure("cannot modify " + path + ": no such file");
          }
          switch (delta.getChangeCase()) {
            case NEW_CONTENT -> {
              touched.add(path);
              Files.createDirectories(file.getParent());
              Files.writeString(file, delta.getNewContent(), StandardCharsets.UTF_8);
            }
            case UNIFIED_DIFF -> {
              touched.add(path);
              applyDiff(repo, path, delta.getUnifiedDiff(), add);
            }
            default ->
                throw new TaskFailure(
                    "the change to " + path + " has neither new_content nor unified_diff");
          }
        }
        default -> throw new TaskFailure("unknown operation " + op + " for " + path);
      }
      changed.add(path);
    }
    return new ArrayList<>(changed);
  }

  /** A relative path inside the working copy, outside {@code .git}. */
  static String checkedPath(String path) throws TaskFailure {
    String accepted = "accepted: a relative path inside the repository, outside .git";
    if (path.isBlank() || path.contains("\\") || path.indexOf('\0') >= 0) {
      throw new TaskFailure("file path '" + path + "' is not usable; " + accepted);
    }
    Path p = Path.of(path).normalize();
    String normal = p.toString();
    if (p.isAbsolute()
        || normal.equals("..")
        || normal.startsWith("../")
        || normal.isEmpty()
        || normal.equals(Constants.DOT_GIT)
        || normal.startsWith(Constants.DOT_GIT + "/")) {
      throw new TaskFailure("file path '" + path + "' is outside the working tree; " + accepted);
    }
    return normal;
  }

  /**
   * Applies a unified diff to {@code path}. Hunks alone, or a diff with {@code ---}/{@code +++}
   * lines, are both accepted; the file is always {@code path}, whatever the diff's headers say
   * about other files (a diff naming another file is refused).
   */
  private static void applyDiff(Repository repo, String path, String diff, boolean creation)
      throws IOException, TaskFailure {
    String body = diff.endsWith("\n") ? diff : diff + "\n";
    StringBuilder text = new StringBuilder();
    if (body.startsWith("diff --git ")) {
      text.append(body);
    } else {
      int hunks = body.startsWith("@@") ? 0 : body.indexOf("\n@@");
      if (hunks < 0) {
        throw new TaskFailure(
            "the unified diff for " + path + " has no hunk (no line starting @@)");
      }
      text.append("diff --git a/").append(path).append(" b/").append(path).append('\n');
      if (creation) {
        text.append("new file mode 100644\n--- /dev/null\n");
      } else {
        text.append("--- a/").append(path).append('\n');
      }
      text.append("+++ b/").append(path).append('\n');
      text.append(body, hunks == 0 ? 0 : hunks + 1, body.length());
    }
    Patch patch = new Patch();
    try (InputStream in =
        new java.io.ByteArrayInputStream(text.toString().getBytes(StandardCharsets.UTF_8))) {
      patch.parse(in);
    }
    if (!patch.getErrors().isEmpty() || patch.getFiles().isEmpty()) {
      throw new TaskFailure(
          "the unified diff for " + path + " does not parse: " + patch.getErrors());
    }
    for (FileHeader file : patch.getFiles()) {
      for (String named : List.of(file.getOldPath(), file.getNewPath())) {
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
    PatchApplier.Result applied = new PatchApplier(repo).applyPatch(patch);
    if (!applied.getErrors().isEmpty()) {
      throw new TaskFailure("the patch for " + path + " does not apply: " + applied.getErrors());
    }
  }

  /**
   * Puts the paths a failed task touched back as the branch head has them (or removes them when the
   * head has none); the rest of the working copy is left alone.
   */
  private static void restore(Git git, Path dir, List<String> touched)
      throws IOException, GitAPIException {
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
        Files.deleteIfExists(dir.resolve(path));
      }
    }
  }

  private static List<String> changedFiles(Repository repo, RevCommit commit) throws IOException {
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

  private Outcome committed(
      CodingTask task,
      CommitResult.Builder result,
      Path dir,
      RevCommit commit,
      List<String> files,
      boolean build) {
    result
        .setStatus(CommitResult.Status.STATUS_COMMITTED)
        .setCommitSha(commit.getName())
        .addAllModifiedFiles(files);
    BuildReport report =
        build && config.buildCommand().isPresent()
            ? build(task, dir, config.buildCommand().get())
            : skipped(
                task,
                build
                    ? "no build command configured (agents.coding.build_command)"
                    : files.isEmpty()
                        ? "no files changed"
                        : "already committed by an earlier delivery");
    return new Outcome(result.build(), report);
  }

  private static Outcome failed(CodingTask task, CommitResult.Builder result, String reason) {
    result.setStatus(CommitResult.Status.STATUS_FAILED).setError(reason);
    return new Outcome(result.build(), skipped(task, "not built: the task failed"));
  }

  private static BuildReport skipped(CodingTask task, String why) {
    return BuildReport.newBuilder()
        .setId("build-" + task.getId())
        .setTaskId(task.getId())
        .setRequestId(task.getRequestId())
        .setStatus(BuildStatus.BUILD_STATUS_SKIPPED)
        .setLogExcerpt(why)
        .build();
  }

  private BuildReport build(CodingTask task, Path dir, String command) {
    long start = System.nanoTime();
    BuildReport.Builder report =
        BuildReport.newBuilder()
            .setId("build-" + task.getId())
            .setTaskId(task.getId())
            .setRequestId(task.getRequestId());
    String log;
    BuildStatus status;
    Process process = null;
    try {
      process =
          new ProcessBuilder("sh", "-c", command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .start();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream output = process.getInputStream();
      Thread reader =
          new Thread(
              () -> {
                try (InputStream in = output) {
                  in.transferTo(out);
                } catch (IOException ignored) {
                  // the process went away; what was read is the log
                }
              },
              "agentmq-build-log");
      reader.setDaemon(true);
      reader.start();
      if (!process.waitFor(config.buildTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        reader.join(1_000);
        status = BuildStatus.BUILD_STATUS_FAILED;
        log = tail(out) + "\n[build timed out after " + config.buildTimeout().toSeconds() + " s]";
      } else {
        reader.join(5_000);
        status =
            process.exitValue() == 0
                ? BuildStatus.BUILD_STATUS_SUCCEEDED
                : BuildStatus.BUILD_STATUS_FAILED;
        log =
            tail(out)
                + (process.exitValue() == 0 ? "" : "\n[exit code " + process.exitValue() + "]");
      }
    } catch (IOException e) {
      status = BuildStatus.BUILD_STATUS_FAILED;
      log = "the build command could not start: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = BuildStatus.BUILD_STATUS_FAILED;
      log = "interrupted while building";
    } finally {
      if (process != null && process.isAlive()) {
        // Never leave a build running in a working copy the next task will change.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    return report
        .setStatus(status)
        .setLogExcerpt(log)
        .setDuration(
            com.google.protobuf.Duration.newBuilder()
                .setSeconds(took.getSeconds())
                .setNanos(took.getNano()))
        .build();
  }

  private static String tail(ByteArrayOutputStream out) {
    String s = out.toString(StandardCharsets.UTF_8);
    return s.length() <= LOG_EXCERPT_CHARS
        ? s
        : "..." + s.substring(s.length() - LOG_EXCERPT_CHARS);
  }

  /**
   * A repository's lock (one task at a time) and, per branch, which task each commit carries out:
   * read once from the history, then kept up to date, so checking for an earlier commit of a task
   * does not walk the whole history every time.
   */
  private static final class WorkingCopy {
    final ReentrantLock lock = new ReentrantLock();
    private final Map<String, TaskIndex> branches = new HashMap<>();

    /** The commit on {@code branch} carrying out {@code taskId}, if any. Lock held. */
    Optional<RevCommit> findTaskCommit(Repository repo, String branch, String taskId)
        throws IOException {
      Ref ref = repo.exactRef(Constants.R_HEADS + branch);
      if (ref == null || ref.getObjectId() == null) {
        return Optional.empty();
      }
      TaskIndex index = branches.computeIfAbsent(branch, b -> new TaskIndex());
      ObjectId head = ref.getObjectId();
      try (RevWalk walk = new RevWalk(repo)) {
        if (!head.equals(index.head)) {
          RevCommit start = walk.parseCommit(head);
          boolean incremental =
              index.head != null && walk.isMergedInto(walk.parseCommit(index.head), start);
          walk.reset();
          walk.markStart(start);
          if (incremental) {
            walk.markUninteresting(walk.parseCommit(index.head));
          } else {
            index.tasks.clear(); // first look, or the branch was rewritten
          }
          Map<String, ObjectId> found = new HashMap<>();
          int seen = 0;
          for (RevCommit c : walk) {
            for (String task : c.getFooterLines(TASK_TRAILER)) {
              found.putIfAbsent(task, c.copy());
            }
            if (++seen >= HISTORY_SCAN_LIMIT) {
              break;
            }
          }
          index.tasks.putAll(found);
          index.head = head.copy();
        }
        ObjectId commit = index.tasks.get(taskId);
        return commit == null ? Optional.empty() : Optional.of(walk.parseCommit(commit));
      }
    }

    /** Records a commit made on {@code branch}'s head. Lock held. */
    void committed(String branch, String taskId, RevCommit commit) {
      TaskIndex index = branches.get(branch);
      if (index != null && commit.getParentCount() == 1 && commit.getParent(0).equals(index.head)) {
        index.tasks.put(taskId, commit.copy());
        index.head = commit.copy();
      }
    }
  }

  private static final class TaskIndex {
    ObjectId head;
    final Map<String, ObjectId> tasks = new HashMap<>();
  }

  /** Why a task cannot be carried out; becomes the failed result's error. */
  static final class TaskFailure extends Exception {
    TaskFailure(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public String toString() {
    return "GitCodingAgent(build command "
        + config.buildCommand().map(c -> "set").orElse("none")
        + ")";
  }
}
