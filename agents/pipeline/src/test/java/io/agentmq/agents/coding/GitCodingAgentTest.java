package io.agentmq.agents.coding;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.agents.CodingAgent;
import io.agentmq.agents.TestRepository;
import io.agentmq.proto.v1.BuildStatus;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.FileDelta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitCodingAgentTest {
  @TempDir Path tmp;
  private Path repo;
  private GitCodingAgent agent;

  @BeforeEach
  void setUp() throws Exception {
    repo = TestRepository.create(tmp.resolve("repo"));
    agent = TestAgents.agent(repo);
  }

  private CodingTask task(String id, String branch, FileDelta... deltas) {
    return CodingTask.newBuilder()
        .setId("req/" + id)
        .setRequestId("req")
        .setGoal("goal " + id)
        .setRepo(repo.toUri().toString())
        .setBranch(branch)
        .addAllSkeletonPatches(List.of(deltas))
        .build();
  }

  private GitCodingAgent building(String command) {
    return TestAgents.agent(
        TestAgents.config(repo, Map.of("agents.coding.build_command", command)),
        System.getenv(),
        GitCodingAgent.OTHER_PROCESS_WAIT);
  }

  private String head(String branch) throws Exception {
    try (Git git = Git.open(repo.toFile())) {
      return git.getRepository().resolve("refs/heads/" + branch).getName();
    }
  }

  @Test
  @DisplayName(
      "adds, patches and deletes files in one commit on a new branch, reporting its SHA and files")
  void commitsEveryKindOfChange() throws Exception {
    Files.writeString(repo.resolve("old.txt"), "x\n");
    try (Git git = Git.open(repo.toFile())) {
      git.add().addFilepattern("old.txt").call();
      git.commit().setMessage("old").setSign(false).call();
    }
    CommitResult result =
        agent
            .apply(
                task(
                    "s1",
                    "feature/x",
                    TestRepository.add("src/new.txt", "new\n"),
                    TestRepository.modify(
                        "README.md", "@@ -3,2 +3,2 @@\n line one\n-line two\n+line 2\n"),
                    FileDelta.newBuilder()
                        .setPath("old.txt")
                        .setOperation(FileDelta.Operation.OPERATION_DELETE)
                        .build()))
            .commit();

    assertThat(result.getStatus())
        .as(result.getError())
        .isEqualTo(CommitResult.Status.STATUS_COMMITTED);
    assertThat(result.getCommitSha()).isEqualTo(head("feature/x"));
    assertThat(result.getBranch()).isEqualTo("feature/x");
    assertThat(result.getModifiedFilesList())
        .containsExactly("src/new.txt", "README.md", "old.txt");
    assertThat(Files.readString(repo.resolve("README.md")))
        .isEqualTo("# service\n\nline one\nline 2\nline three\n");
    assertThat(repo.resolve("old.txt")).doesNotExist();
    assertThat(TestRepository.commit(repo, result.getCommitSha()).getFullMessage())
        .startsWith("goal s1")
        .contains("Agentmq-Task: req/s1");
  }

  @Test
  @DisplayName(
      "a patch that does not apply fails the task with the file and reason, leaving the working copy as it was")
  void patchThatDoesNotApply() throws Exception {
    String before = head("main");
    CodingAgent.Outcome outcome =
        agent.apply(
            task(
                "s1",
                "main",
                TestRepository.add("first.txt", "applied, then rolled back\n"),
                TestRepository.modify(
                    "README.md", "@@ -1,1 +1,1 @@\n-no such line\n+replacement\n")));

    assertThat(outcome.commit().getStatus()).isEqualTo(CommitResult.Status.STATUS_FAILED);
    assertThat(outcome.commit().getError()).contains("README.md", "does not apply");
    assertThat(outcome.build().getStatus()).isEqualTo(BuildStatus.BUILD_STATUS_SKIPPED);
    assertThat(head("main")).isEqualTo(before);
    assertThat(repo.resolve("first.txt")).doesNotExist();
    try (Git git = Git.open(repo.toFile())) {
      assertThat(git.status().call().isClean()).isTrue();
    }
  }

  @Test
  @DisplayName("an uncommitted change in a task's path fails the task and is left as it was")
  void uncommittedChangeIsKept() throws Exception {
    Files.writeString(repo.resolve("README.md"), "edited by hand\n");
    Files.writeString(repo.resolve("mine.txt"), "untracked, mine\n");

    CommitResult edited =
        agent
            .apply(task("s1", "main", TestRepository.modify("README.md", "@@ -1 +1 @@\n-x\n+y\n")))
            .commit();
    CommitResult added =
        agent.apply(task("s2", "main", TestRepository.add("mine.txt", "theirs\n"))).commit();

    assertThat(edited.getStatus()).isEqualTo(CommitResult.Status.STATUS_FAILED);
    assertThat(edited.getError()).contains("uncommitted changes (README.md)");
    assertThat(added.getStatus()).isEqualTo(CommitResult.Status.STATUS_FAILED);
    assertThat(added.getError()).contains("cannot add mine.txt: the file already exists");
    assertThat(Files.readString(repo.resolve("README.md"))).isEqualTo("edited by hand\n");
    assertThat(Files.readString(repo.resolve("mine.txt"))).isEqualTo("untracked, mine\n");
  }

  @Test
  @DisplayName(
      "a file created by a diff is removed and unstaged when a later change of the task fails")
  void failedTaskLeavesNothingStaged() throws Exception {
    CodingAgent.Outcome outcome =
        agent.apply(
            task(
                "s1",
                "main",
                TestRepository.modify("created.txt", "@@ -0,0 +1 @@\n+new\n").toBuilder()
                    .setOperation(FileDelta.Operation.OPERATION_ADD)
                    .build(),
                TestRepository.modify("README.md", "@@ -1 +1 @@\n-no such line\n+x\n")));

    assertThat(outcome.commit().getStatus()).isEqualTo(CommitResult.Status.STATUS_FAILED);
    assertThat(repo.resolve("created.txt")).doesNotExist();
    try (Git git = Git.open(repo.toFile())) {
      assertThat(git.status().call().isClean()).isTrue();
    }
    CommitResult next =
        agent.apply(task("s2", "main", TestRepository.add("b.txt", "b\n"))).commit();
    assertThat(next.getModifiedFilesList()).containsExactly("b.txt");
    assertThat(TestRepository.commit(repo, next.getCommitSha()).getFullMessage())
        .contains("req/s2");
  }

  @Test
  @DisplayName("commits only the task's files, leaving what someone else staged out of the commit")
  void commitsOnlyTheTasksFiles() throws Exception {
    Files.writeString(repo.resolve("staged.txt"), "someone else's\n");
    try (Git git = Git.open(repo.toFile())) {
      git.add().addFilepattern("staged.txt").call();
    }
    CommitResult result =
        agent.apply(task("s1", "main", TestRepository.add("mine.txt", "m\n"))).commit();

    assertThat(result.getModifiedFilesList()).containsExactly("mine.txt");
    try (Git git = Git.open(repo.toFile())) {
      assertThat(git.status().call().getAdded()).containsExactly("staged.txt");
    }
  }

  @Test
  @DisplayName("a task whose dependency has no commit on the branch fails instead of committing")
  void dependencyMustBeCommitted() throws Exception {
    CommitResult result =
        agent
            .apply(
                task("s2", "main", TestRepository.add("two.txt", "2\n")).toBuilder()
                    .addDependencies("req/s1")
                    .build())
            .commit();
    assertThat(result.getStatus()).isEqualTo(CommitResult.Status.STATUS_FAILED);
    assertThat(result.getError()).contains("depends on task req/s1, which has no commit on main");
    assertThat(repo.resolve("two.txt")).doesNotExist();
  }

  @Test
  @DisplayName("a task delivered again is answered with its earlier commit, not committed twice")
  void redeliveredTaskIsNotCommittedTwice() throws Exception {
    CodingTask task = task("s1", "main", TestRepository.add("once.txt", "1\n"));
    CommitResult first = agent.apply(task).commit();
    // A new agent, as after a crash between the commit and the acknowledgement: it finds the
    // commit in the history, not in memory.
    GitCodingAgent restarted = TestAgents.agent(repo);
    CommitResult again = restarted.apply(task).commit();

    assertThat(again.getStatus()).isEqualTo(CommitResult.Status.STATUS_COMMITTED);
    assertThat(again.getCommitSha()).isEqualTo(first.getCommitSha());
    assertThat(again.getModifiedFilesList()).containsExactly("once.txt");
    assertThat(TestRepository.messages(repo, "main")).hasSize(2);
  }

  @Test
  @DisplayName(
      "refuses paths outside the working tree, and repositories that are not local working copies")
  void refusesUnsafePathsAndRemoteRepositories() throws Exception {
    for (String path : List.of("../escape.txt", "/etc/passwd", ".git/config", "a/../../b")) {
      CommitResult r = agent.apply(task("p", "main", TestRepository.add(path, "x"))).commit();
      assertThat(r.getStatus()).as(path).isEqualTo(CommitResult.Status.STATUS_FAILED);
      assertThat(r.getError()).as(path).contains(path, "accepted: a relative path");
    }
    for (String where : List.of("https://example.com/r.git", "git@example.com:r.git")) {
      CommitResult r = agent.apply(task("r", "main").toBuilder().setRepo(where).build()).commit();
      assertThat(r.getStatus()).as(where).isEqualTo(CommitResult.Status.STATUS_FAILED);
      assertThat(r.getError()).as(where).contains("accepted: a local path or file: URL");
    }
    assertThat(tmp.resolve("escape.txt")).doesNotExist();
  }

  @Test
  @DisplayName(
      "runs the configured build command in the working copy and reports its result and log")
  void runsTheBuildCommand() throws Exception {
    GitCodingAgent building = building("ls src && echo built");
    CodingAgent.Outcome ok =
        building.apply(task("s1", "main", TestRepository.add("src/a.txt", "a\n")));
    assertThat(ok.build().getStatus()).isEqualTo(BuildStatus.BUILD_STATUS_SUCCEEDED);
    assertThat(ok.build().getLogExcerpt()).contains("a.txt", "built");

    GitCodingAgent failing = building("echo broken; exit 3");
    CodingAgent.Outcome bad =
        failing.apply(task("s2", "main", TestRepository.add("src/b.txt", "b\n")));
    assertThat(bad.commit().getStatus()).isEqualTo(CommitResult.Status.STATUS_COMMITTED);
    assertThat(bad.build().getStatus()).isEqualTo(BuildStatus.BUILD_STATUS_FAILED);
    assertThat(bad.build().getLogExcerpt()).contains("broken", "exit code 3");
  }
}
