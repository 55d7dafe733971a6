package io.agentmq.agents.coding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agentmq.agents.TestRepository;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.CommitResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The working copy's lock against another agent process, a real JVM started by the test. */
class CrossProcessLockTest {
  private static final Duration CHILD_TIMEOUT = Duration.ofMinutes(1);

  @TempDir Path tmp;
  private Path repo;
  private final List<Process> children = new ArrayList<>();
  private final ExecutorService executor = Executors.newSingleThreadExecutor();

  @BeforeEach
  void setUp() throws Exception {
    repo = TestRepository.create(tmp.resolve("repo"));
  }

  @AfterEach
  void tearDown() {
    executor.shutdownNow();
    children.forEach(Process::destroyForcibly);
  }

  /** Starts a {@link WorkingCopyHolder} in its own JVM, and waits until it holds the lock. */
  private Process holder(String mode) throws Exception {
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                WorkingCopyHolder.class.getName(),
                mode,
                repo.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    children.add(child);
    return child;
  }

  private static void awaitLocked(Process child) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    assertThat(out.readLine()).isEqualTo(WorkingCopyHolder.LOCKED);
  }

  private static void release(Process child) throws Exception {
    try (OutputStream in = child.getOutputStream()) {
      in.write('\n');
    }
    assertThat(child.waitFor(CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).isZero();
  }

  private GitCodingAgent agent(Duration otherProcessWait) {
    return TestAgents.agent(repo, otherProcessWait);
  }

  private CodingTask task(String id) {
    return CodingTask.newBuilder()
        .setId("req/" + id)
        .setRequestId("req")
        .setRepo(repo.toString())
        .setBranch("main")
        .addSkeletonPatches(TestRepository.add(id + ".txt", id + "\n"))
        .build();
  }

  private boolean clean() throws Exception {
    try (Git git = Git.open(repo.toFile())) {
      return git.status().call().isClean();
    }
  }

  @Test
  @DisplayName(
      "a process killed mid-task while holding the lock loses it with its life; the redelivered"
          + " task then rolls its files back, removes its index.lock, and commits once")
  void killedHolderReleasesTheLockAndItsTaskIsRecovered() throws Exception {
    Process child = holder("crash");
    assertThat(child.waitFor(CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).isEqualTo(WorkingCopyHolder.HALTED);
    // What the kill left: a written file, the journal, and git's index lock.
    assertThat(repo.resolve("notes/crashed.md")).exists();
    assertThat(repo.resolve(".git/index.lock")).exists();
    assertThat(repo.resolve(".git").resolve(TaskJournal.DIRECTORY)).isNotEmptyDirectory();

    CommitResult result =
        agent(Duration.ofSeconds(30)).apply(WorkingCopyHolder.task(repo)).commit();

    assertThat(result.getStatus())
        .as(result.getError())
        .isEqualTo(CommitResult.Status.STATUS_COMMITTED);
    assertThat(result.getModifiedFilesList())
        .containsExactly("notes/crashed.md", "checks/crashed.txt");
    assertThat(TestRepository.messages(repo, "main"))
        .hasSize(2)
        .filteredOn(m -> m.contains("Agentmq-Task: req/crashed"))
        .hasSize(1);
    assertThat(repo.resolve(".git/index.lock")).doesNotExist();
    assertThat(repo.resolve(".git").resolve(TaskJournal.DIRECTORY)).isEmptyDirectory();
    assertThat(clean()).isTrue();
  }

  @Test
  @DisplayName(
      "while a live process holds the working copy, a task fails after its bounded wait with a"
          + " retriable error naming the holder, leaving the holder's index.lock alone")
  void liveHolderMakesATaskFailRetriably() throws Exception {
    Process child = holder("hold");
    awaitLocked(child);
    Path indexLock = Files.writeString(repo.resolve(".git/index.lock"), "the holder's");

    assertThatThrownBy(() -> agent(Duration.ofMillis(200)).apply(task("waiting")))
        .isInstanceOf(WorkingCopyBusyException.class)
        .hasMessageContaining("pid " + child.pid())
        .hasMessageContaining("worth retrying");
    assertThat(indexLock).exists();
    assertThat(repo.resolve("waiting.txt")).doesNotExist();
    assertThat(TestRepository.messages(repo, "main")).hasSize(1);

    release(child); // exits leaving its index.lock, as if it had died
    CommitResult retried = agent(Duration.ofMillis(200)).apply(task("waiting")).commit();
    assertThat(retried.getStatus())
        .as(retried.getError())
        .isEqualTo(CommitResult.Status.STATUS_COMMITTED);
    assertThat(indexLock).doesNotExist();
  }

  @Test
  @DisplayName("a task waits while a live process holds the working copy, and runs once it lets go")
  void taskWaitsForALiveHolder() throws Exception {
    Process child = holder("hold");
    awaitLocked(child);
    GitCodingAgent agent = agent(CHILD_TIMEOUT);

    Future<CommitResult> waiting = executor.submit(() -> agent.apply(task("after")).commit());
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(10))
        .until(() -> !waiting.isDone());
    assertThat(repo.resolve("after.txt")).doesNotExist();

    release(child);
    CommitResult result = waiting.get(CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertThat(result.getStatus())
        .as(result.getError())
        .isEqualTo(CommitResult.Status.STATUS_COMMITTED);
    assertThat(TestRepository.messages(repo, "main")).hasSize(2);
  }
}
