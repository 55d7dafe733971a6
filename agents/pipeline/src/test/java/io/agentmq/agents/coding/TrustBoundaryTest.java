package io.agentmq.agents.coding;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.agents.CodingAgent;
import io.agentmq.agents.TestRepository;
import io.agentmq.api.MqConfig;
import io.agentmq.proto.v1.BuildStatus;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.FileDelta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task is a stranger's input: each hole a task could use to reach beyond its working copy, and
 * that it is refused with nothing written, read or deleted outside.
 */
class TrustBoundaryTest {
  private static final String OUTSIDE = "outside, not the task's\n";

  @TempDir Path tmp;
  private Path repo;
  private Path outside;
  private GitCodingAgent agent;

  @BeforeEach
  void setUp() throws Exception {
    repo = TestRepository.create(tmp.resolve("repo"));
    outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("target.txt"), OUTSIDE);
    Files.writeString(outside.resolve("victim.txt"), OUTSIDE);
    agent = TestAgents.agent(repo);
  }

  private CodingTask task(String id, FileDelta... deltas) {
    return CodingTask.newBuilder()
        .setId("req/" + id)
        .setRequestId("req")
        .setGoal("goal " + id)
        .setRepo(repo.toUri().toString())
        .setBranch("main")
        .addAllSkeletonPatches(List.of(deltas))
        .build();
  }

  private static FileDelta delete(String path) {
    return FileDelta.newBuilder()
        .setPath(path)
        .setOperation(FileDelta.Operation.OPERATION_DELETE)
        .build();
  }

  private static FileDelta replace(String path, String content) {
    return FileDelta.newBuilder()
        .setPath(path)
        .setOperation(FileDelta.Operation.OPERATION_MODIFY)
        .setNewContent(content)
        .build();
  }

  private String head() throws Exception {
    try (Git git = Git.open(repo.toFile())) {
      return git.getRepository().resolve("HEAD").getName();
    }
  }

  /** Nothing the task could have left: no journal, no temporary file, nothing staged. */
  private void assertNothingLeft() throws Exception {
    Path journals = repo.resolve(".git/agentmq-journal");
    if (Files.isDirectory(journals)) {
      try (Stream<Path> left = Files.list(journals)) {
        assertThat(left).isEmpty();
      }
    }
    try (Git git = Git.open(repo.toFile())) {
      assertThat(git.status().call().hasUncommittedChanges()).isFalse();
    }
  }

  @Nested
  class SymbolicLinks {
    @BeforeEach
    void links() throws Exception {
      // Links committed in the repository, as anyone with write access to it could have.
      Files.createSymbolicLink(repo.resolve("link.txt"), Path.of("../outside/target.txt"));
      Files.createSymbolicLink(repo.resolve("docs"), Path.of("../outside"));
      try (Git git = Git.open(repo.toFile())) {
        git.add().addFilepattern("link.txt").addFilepattern("docs").call();
        git.commit().setMessage("links").setSign(false).call();
      }
    }

    @Test
    @DisplayName(
        "modifying a file that is a link out of the working copy is refused, by new content or a"
            + " diff, and the file it points to is unchanged")
    void modifyThroughALink() throws Exception {
      String before = head();
      for (FileDelta change :
          List.of(
              replace("link.txt", "overwritten\n"),
              TestRepository.modify(
                  "link.txt", "@@ -1 +1 @@\n-outside, not the task's\n+mine\n"))) {
        CommitResult r = agent.apply(task("m", change)).commit();

        assertThat(r.getStatus()).isEqualTo(CommitResult.Status.STATUS_FAILED);
        assertThat(r.getError()).contains("link.txt is a symbolic link");
      }
      assertThat(Files.readString(outside.resolve("target.txt"))).isEqualTo(OUTSIDE);
      assertThat(Files.isSymbolicLink(repo.resolve("link.txt"))).isTrue();
      assertThat(head()).isEqualTo(before);
      assertNothingLeft();
    }

    @Test
    @DisplayName(
        "adding a file through a linked directory is refused, and nothing is created outside")
    void addThroughALinkedDirectory() throws Exception {
      CommitResult r =
          agent.apply(task("a", TestRepository.add("docs/new.txt", "planted\n"))).commit();

      assertThat(r.getStatus()).isEqualTo(CommitResult.Status.STATUS_FAILED);
      assertThat(r.getError()).contains("docs is a symbolic link");
      assertThat(outside.resolve("new.txt")).doesNotExist();
      try (Stream<Path> files = Files.list(outside)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("target.txt", "victim.txt");
      }
      assertNothingLeft();
    }

    @Test
    @DisplayName(
        "deleting through a linked directory, or a link itself, is refused, and the files outside"
            + " are still there")
    void deleteThroughALink() throws Exception {
      for (String path : List.of("docs/victim.txt", "link.txt")) {
        CommitResult r = agent.apply(task("d", delete(path))).commit();

        assertThat(r.getStatus()).as(path).isEqualTo(CommitResult.Status.STATUS_FAILED);
        assertThat(r.getError()).as(path).contains("is a symbolic link");
      }
      assertThat(Files.readString(outside.resolve("victim.txt"))).isEqualTo(OUTSIDE);
      assertThat(Files.readString(outside.resolve("target.txt"))).isEqualTo(OUTSIDE);
      assertThat(Files.isSymbolicLink(repo.resolve("link.txt"))).isTrue();
      assertNothingLeft();
    }

    @Test
    @DisplayName(
        "a link planted under the temporary name of a file is replaced, never written through")
    void linkAtTheTemporaryName() throws Exception {
      Path readme = repo.resolve("README.md");
      Files.createSymbolicLink(AtomicFiles.temporaryOf(readme), Path.of("../outside/target.txt"));

      CommitResult r = agent.apply(task("t", replace("README.md", "new readme\n"))).commit();

      assertThat(r.getStatus()).as(r.getError()).isEqualTo(CommitResult.Status.STATUS_COMMITTED);
      assertThat(Files.readString(readme)).isEqualTo("new readme\n");
      assertThat(Files.readString(outside.resolve("target.txt"))).isEqualTo(OUTSIDE);
      assertThat(AtomicFiles.temporaryOf(readme)).doesNotExist();
    }
  }

  @Test
  @DisplayName(
      "paths into a .git at any depth and in any letter case are refused before any file is"
          + " written, also the task's other files")
  void gitDirectoriesAtAnyDepth() throws Exception {
    byte[] config = Files.readAllBytes(repo.resolve(".git/config"));
    String before = head();
    for (String path : List.of("sub/.git/config", ".GIT/config", "a/.Git/hooks/x", ".git /x")) {
      CommitResult r =
          agent
              .apply(
                  task(
                      "g",
                      TestRepository.add("harmless.txt", "written first\n"),
                      TestRepository.add(path, "[core]\n\tfsmonitor = touch /tmp/pwned\n")))
              .commit();

      assertThat(r.getStatus()).as(path).isEqualTo(CommitResult.Status.STATUS_FAILED);
      assertThat(r.getError()).as(path).contains("'" + path + "' is refused", "invalid name");
    }
    try (Stream<Path> top = Files.list(repo)) {
      assertThat(top.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(".git", "README.md");
    }
    assertThat(Files.readAllBytes(repo.resolve(".git/config"))).isEqualTo(config);
    assertThat(head()).isEqualTo(before);
    assertNothingLeft();
  }

  @Nested
  class AllowedWorkingCopies {
    @Test
    @DisplayName(
        "a repository not listed in agents.coding.repos is refused, naming it and the allowed ones,"
            + " and is left untouched")
    void repositoryNotAllowed() throws Exception {
      Path other = TestRepository.create(tmp.resolve("other"));
      Path nested = TestRepository.create(repo.resolve("nested"));
      for (Path elsewhere : List.of(other, nested)) {
        CodingTask task =
            task("o", TestRepository.add("planted.txt", "x\n")).toBuilder()
                .setRepo(elsewhere.toString())
                .build();

        CommitResult r = agent.apply(task).commit();

        assertThat(r.getStatus()).isEqualTo(CommitResult.Status.STATUS_FAILED);
        assertThat(r.getError())
            .contains(
                "repository '" + elsewhere + "' is not a working copy this agent may change",
                "agents.coding.repos",
                repo.toString());
        assertThat(elsewhere.resolve("planted.txt")).doesNotExist();
      }
    }

    @Test
    @DisplayName("a path that is a link to an allowed working copy names that working copy")
    void linkToAnAllowedRepository() throws Exception {
      Path alias = Files.createSymbolicLink(tmp.resolve("alias"), repo);
      CodingTask task =
          task("l", TestRepository.add("via-alias.txt", "x\n")).toBuilder()
              .setRepo(alias.toString())
              .build();

      CommitResult r = agent.apply(task).commit();

      assertThat(r.getStatus()).as(r.getError()).isEqualTo(CommitResult.Status.STATUS_COMMITTED);
      assertThat(Files.readString(repo.resolve("via-alias.txt"))).isEqualTo("x\n");
    }

    @Test
    @DisplayName("without agents.coding.repos every task is refused, saying the setting is empty")
    void noneAllowedByDefault() throws Exception {
      MqConfig none = io.agentmq.agents.AgentsConfig.register(MqConfig.builder()).build();
      GitCodingAgent unconfigured =
          TestAgents.agent(none, System.getenv(), GitCodingAgent.OTHER_PROCESS_WAIT);

      CommitResult r = unconfigured.apply(task("n", TestRepository.add("n.txt", "x\n"))).commit();

      assertThat(r.getStatus()).isEqualTo(CommitResult.Status.STATUS_FAILED);
      assertThat(r.getError()).contains("agents.coding.repos): none, the setting is empty");
      assertThat(repo.resolve("n.txt")).doesNotExist();
    }
  }

  @Nested
  class Build {
    private static final String ENV_SECRET = "amqp-s3cret-pw";
    private static final String CONFIG_SECRET = "cfg-s3cret-pw";

    @Test
    @DisplayName(
        "the build does not see the agent's AMQP_URL, and no secret of the agent's environment or"
            + " configuration is in the published log, even when the build reads them")
    void cleanEnvironmentAndMaskedLog() throws Exception {
      Path configFile = tmp.resolve("agentmq.yaml");
      Files.writeString(
          configFile, "amqp:\n  url: amqp://agent:" + CONFIG_SECRET + "@broker:5672\n");
      Path environFile = tmp.resolve("environ");
      Files.writeString(environFile, "the agent's environment: amqp://u:" + ENV_SECRET + "@h\n");
      MqConfig config =
          TestAgents.config(
              repo,
              Map.of(
                  "agents.coding.build_command",
                  // What a task's build file could do: print its environment, read the agent's
                  // configuration file and its process environment.
                  "env; cat " + configFile + " " + environFile,
                  "amqp.url",
                  "amqp://agent:" + CONFIG_SECRET + "@broker:5672"));
      Map<String, String> agentEnvironment =
          Map.of(
              "PATH", System.getenv("PATH"),
              "HOME", tmp.toString(),
              "AMQP_URL", "amqp://u:" + ENV_SECRET + "@h");
      GitCodingAgent building =
          TestAgents.agent(config, agentEnvironment, GitCodingAgent.OTHER_PROCESS_WAIT);

      CodingAgent.Outcome outcome =
          building.apply(task("b", TestRepository.add("src/a.txt", "a\n")));

      assertThat(outcome.build().getStatus()).isEqualTo(BuildStatus.BUILD_STATUS_SUCCEEDED);
      String published = outcome.build().getLogExcerpt();
      assertThat(published)
          .contains("PATH=", "HOME=" + tmp, "amqp://****@broker:5672", "amqp://****@h")
          .doesNotContain(ENV_SECRET, CONFIG_SECRET);
      assertThat(published).doesNotContain("AMQP_URL");
      assertThat(outcome.build().toString()).doesNotContain(ENV_SECRET, CONFIG_SECRET);
    }
  }
}
