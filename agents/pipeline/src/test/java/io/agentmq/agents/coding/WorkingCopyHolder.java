package io.agentmq.agents.coding;

import io.agentmq.agents.TestRepository;
import io.agentmq.proto.v1.CodingTask;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.eclipse.jgit.api.Git;

/**
 * Another agent process, for the cross-process tests: takes a working copy's {@link
 * CrossProcessLock}, then either dies in the middle of {@link #task} ({@code crash}) or holds the
 * lock until a line arrives on its standard input ({@code hold}). It prints {@value #LOCKED} once
 * it holds the lock.
 */
final class WorkingCopyHolder {
  static final String LOCKED = "locked";

  /** What the crash mode leaves, and an exit status only {@code halt} gives. */
  static final int HALTED = 137;

  private WorkingCopyHolder() {}

  /** The task the crashing process was doing: two files, of which it wrote the first. */
  static CodingTask task(Path repo) {
    return CodingTask.newBuilder()
        .setId("req/crashed")
        .setRequestId("req")
        .setGoal("the task a killed process was doing")
        .setRepo(repo.toString())
        .setBranch("main")
        .addSkeletonPatches(TestRepository.add("notes/crashed.md", "# written before the kill\n"))
        .addSkeletonPatches(TestRepository.add("checks/crashed.txt", "never written\n"))
        .build();
  }

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args[1]);
    CrossProcessLock lock = CrossProcessLock.acquire(repo.resolve(".git"), Duration.ofMinutes(1));
    System.out.println(LOCKED);
    System.out.flush();
    switch (args[0]) {
      case "crash" -> {
        // As the agent does it: the journal first, then the first file, then git locks the index
        // to stage it; then the process dies as under SIGKILL (no finally, no shutdown hook).
        CodingTask task = task(repo);
        try (Git git = Git.open(repo.toFile())) {
          TaskJournal.begin(
              git.getRepository(),
              task.getId(),
              task.getBranch(),
              DeltaApplier.pathsOf(task.getSkeletonPatchesList()));
          new DeltaApplier(git, repo).apply(List.of(task.getSkeletonPatches(0)));
          Files.writeString(repo.resolve(".git/index.lock"), "half an index");
        }
        Runtime.getRuntime().halt(HALTED);
      }
      case "hold" -> {
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        lock.close();
      }
      default -> throw new IllegalArgumentException("mode crash or hold, not " + args[0]);
    }
  }
}
