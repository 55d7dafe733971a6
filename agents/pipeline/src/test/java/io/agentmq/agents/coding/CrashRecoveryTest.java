package io.agentmq.agents.coding;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.agents.TestRepository;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.FileDelta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a killed agent process leaves in a working copy, made by hand or with the agent's own steps
 * stopped part way, and the next task that must get past it.
 */
class CrashRecoveryTest {
  private static final String PATCHED_README =
      "# service\n\nline one\nline 2\nline three\n"; // README with "line two" patched

  @TempDir Path tmp;
  private Path repo;
  private GitCodingAgent agent;

  @BeforeEach
  void setUp() throws Exception {
    repo = TestRepository.create(tmp.resolve("repo"));
    agent = TestAgents.agent(repo);
  }

  private CodingTask task(String id, FileDelta... deltas) {
    return CodingTask.newBuilder()
        .setId("req/" + id)
        .setRequestId("req")
        .setGoal("goal " + id)
        .setRepo(repo.toString())
        .setBranch("main")
        .addAllSkeletonPatches(List.of(deltas))
        .build();
  }

  /** Three changes: a new file, a patch to README.md, another new file. */
  private CodingTask threeChanges(String id) {
    return task(
        id,
        TestRepository.add("notes/" + id + ".md", "# " + id + "\n"),
        TestRepository.modify("README.md", "@@ -3,2 +3,2 @@\n line one\n-line two\n+line 2\n"),
        TestRepository.add("checks/" + id + ".txt", "checked\n"));
  }

  /**
   * Does what the agent does for {@code task} up to a kill after its first two files: the journal,
   * the writes, one file staged, git's index lock, and a half-written temporary of the third file.
   */
  private void crashAfterTwoFiles(CodingTask task) throws Exception {
    try (Git git = Git.open(repo.toFile())) {
      List<FileDelta> patches = task.getSkeletonPatchesList();
      TaskJournal.begin(
          git.getRepository(), task.getId(), task.getBranch(), DeltaApplier.pathsOf(patches));
      List<String> written = new DeltaApplier(git, repo).apply(patches.subList(0, 2));
      git.add().addFilepattern(written.get(0)).call();
    }
    Files.writeString(repo.resolve(".git/index.lock"), "half an index");
    Path third = repo.resolve(task.getSkeletonPatches(2).getPath());
    Files.createDirectories(third.getParent());
    Files.writeString(AtomicFiles.temporaryOf(third), "chec");
  }

  private boolean clean() throws Exception {
    try (Git git = Git.open(repo.toFile())) {
      return git.status().call().isClean();
    }
  }

  private Path journals() {
    return repo.resolve(".git").resolve(TaskJournal.DIRECTORY);
  }

  @Test
  @DisplayName("an index.lock left by a killed process does not fail the next task, and is removed")
  void leftoverIndexLockIsRemoved() throws Exception {
    Path indexLock = Files.writeString(repo.resolve(".git/index.lock"), "half an index");

    CommitResult result = agent.apply(task("s1", TestRepository.add("a.txt", "a\n"))).commit();

    assertThat(result.getStatus())
        .as(result.getError())
        .isEqualTo(CommitResult.Status.STATUS_COMMITTED);
    assertThat(indexLock).doesNotExist();
    assertThat(TestRepository.messages(repo, "main")).hasSize(2);
    assertThat(clean()).isTrue();
  }

  @Test
  @DisplayName(
      "a branch ref lock left by a process killed while updating the branch does not fail the next"
          + " commit on it")
  void leftoverRefLockIsRemoved() throws Exception {
    Path refLock = Files.writeString(repo.resolve(".git/refs/heads/main.lock"), "");

    CommitResult result = agent.apply(task("s1", TestRepository.add("a.txt", "a\n"))).commit();

    assertThat(result.getStatus())
        .as(result.getError())
        .isEqualTo(CommitResult.Status.STATUS_COMMITTED);
    assertThat(refLock).doesNotExist();
  }

  @Test
  @DisplayName(
      "a task killed between its writes and its commit is rolled back before its redelivery, which"
          + " then commits once and leaves the tree clean")
  void halfAppliedTaskIsRolledBackThenCommittedOnce() throws Exception {
    CodingTask task = threeChanges("s1");
    crashAfterTwoFiles(task);
    assertThat(journals()).isNotEmptyDirectory();

    // A new agent, as after the restart that redelivers the task.
    GitCodingAgent restarted = TestAgents.agent(repo);
    CommitResult result = restarted.apply(task).commit();

    assertThat(result.getStatus())
        .as(result.getError())
        .isEqualTo(CommitResult.Status.STATUS_COMMITTED);
    assertThat(result.getModifiedFilesList())
        .containsExactly("notes/s1.md", "README.md", "checks/s1.txt");
    assertThat(TestRepository.messages(repo, "main"))
        .hasSize(2)
        .filteredOn(m -> m.contains("Agentmq-Task: req/s1"))
        .hasSize(1);
    assertThat(Files.readString(repo.resolve("README.md"))).isEqualTo(PATCHED_README);
    assertThat(Files.readString(repo.resolve("checks/s1.txt"))).isEqualTo("checked\n");
    assertThat(AtomicFiles.temporaryOf(repo.resolve("checks/s1.txt"))).doesNotExist();
    assertThat(journals()).isEmptyDirectory();
    assertThat(clean()).isTrue();
  }

  @Test
  @DisplayName(
      "the files of a killed task are rolled back when another task comes first, and stay out of"
          + " its commit")
  void killedTasksFilesStayOutOfTheNextTasksCommit() throws Exception {
    crashAfterTwoFiles(threeChanges("s1"));

    CommitResult other = agent.apply(task("s2", TestRepository.add("b.txt", "b\n"))).commit();

    assertThat(other.getModifiedFilesList()).containsExactly("b.txt");
    assertThat(TestRepository.messages(repo, "main"))
        .hasSize(2)
        .noneMatch(m -> m.contains("Agentmq-Task: req/s1"));
    assertThat(repo.resolve("notes/s1.md")).doesNotExist();
    assertThat(Files.readString(repo.resolve("README.md"))).isEqualTo(TestRepository.README);
    assertThat(journals()).isEmptyDirectory();
    assertThat(clean()).isTrue();
  }

  @Test
  @DisplayName(
      "a task killed after its commit but before its acknowledgement keeps its commit: the"
          + " redelivery answers already committed and makes no second commit")
  void killedAfterTheCommitKeepsIt() throws Exception {
    CodingTask task = threeChanges("s1");
    String sha;
    try (Git git = Git.open(repo.toFile())) {
      List<FileDelta> patches = task.getSkeletonPatchesList();
      TaskJournal.begin(
          git.getRepository(), task.getId(), task.getBranch(), DeltaApplier.pathsOf(patches));
      List<String> written = new DeltaApplier(git, repo).apply(patches);
      sha =
          new GitCommitter(CommitAuthor.parse("Agent <agent@agentmq.invalid>"))
              .commit(git, repo, task, written)
              .getName();
    } // killed here: the journal is still there

    GitCodingAgent restarted = TestAgents.agent(repo);
    CommitResult again = restarted.apply(task).commit();

    assertThat(again.getStatus()).isEqualTo(CommitResult.Status.STATUS_COMMITTED);
    assertThat(again.getCommitSha()).isEqualTo(sha);
    assertThat(TestRepository.messages(repo, "main")).hasSize(2);
    assertThat(Files.readString(repo.resolve("README.md"))).isEqualTo(PATCHED_README);
    assertThat(repo.resolve("notes/s1.md")).exists();
    assertThat(journals()).isEmptyDirectory();
    assertThat(clean()).isTrue();
  }

  @Test
  @DisplayName("a task that fails deletes its journal, having restored its files")
  void failedTaskDeletesItsJournal() throws Exception {
    CommitResult failed =
        agent
            .apply(
                task(
                    "s1",
                    TestRepository.add("a.txt", "a\n"),
                    TestRepository.modify("README.md", "@@ -1 +1 @@\n-no such line\n+x\n")))
            .commit();

    assertThat(failed.getStatus()).isEqualTo(CommitResult.Status.STATUS_FAILED);
    assertThat(repo.resolve("a.txt")).doesNotExist();
    assertThat(journals()).isEmptyDirectory();
    assertThat(clean()).isTrue();
  }
}
