package io.agentmq.agents.coding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildRunnerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String SECRET = "Zq9-S3cr3t-Vx";

  @TempDir Path dir;

  /** A runner with this process's usual variables and no secret. */
  private static BuildRunner runner(String command, Duration timeout) {
    return new BuildRunner(
        command,
        timeout,
        BuildEnvironment.of(System.getenv(), List.of()),
        SecretValues.of(Map.of()));
  }

  @Test
  @DisplayName(
      "a build printing 10 MB gives the last 4000 characters, its output held in a 64 KiB ring")
  void tenMegabytesKeepOnlyTheTail() {
    BuildRunner.Result result =
        runner(
                "head -c 10485760 /dev/zero | tr '\\0' x; echo; echo the end; echo 10MB >&2",
                TIMEOUT)
            .run(dir);

    assertThat(result.succeeded()).isTrue();
    assertThat(result.log())
        .hasSize(BuildRunner.LOG_EXCERPT_CHARS + 3)
        .startsWith("...xxx")
        .endsWith("x\nthe end\n10MB\n");
  }

  @Test
  @DisplayName(
      "the build gets PATH, HOME and the variables the operator lists, and no other variable of"
          + " the agent's")
  void buildGetsOnlyAllowListedVariables() {
    Map<String, String> agentEnvironment =
        Map.of(
            "PATH",
            System.getenv("PATH"),
            "HOME",
            dir.toString(),
            "AMQP_URL",
            "amqp://agent:" + SECRET + "@broker:5672",
            "MQ_CONFIG",
            "/etc/agentmq/secret.yaml",
            "LISTED",
            "passed on purpose");
    BuildRunner runner =
        new BuildRunner(
            "env",
            TIMEOUT,
            BuildEnvironment.of(agentEnvironment, List.of("LISTED")),
            SecretValues.of(agentEnvironment));

    BuildRunner.Result result = runner.run(dir);

    assertThat(result.succeeded()).isTrue();
    assertThat(result.log())
        .contains("PATH=", "HOME=" + dir, "LISTED=passed on purpose")
        .doesNotContain("AMQP_URL", SECRET, "MQ_CONFIG");
  }

  @Test
  @DisplayName(
      "a secret the build prints is masked in the log, as is the password of any URL it prints")
  void secretsAreMasked() {
    SecretValues secrets =
        SecretValues.of(
            Map.of("AMQP_URL", "amqp://agent:" + SECRET + "@broker", "API_TOKEN", "tok-12345"));
    BuildRunner runner =
        new BuildRunner(
            "echo connecting amqp://agent:"
                + SECRET
                + "@broker; echo password "
                + SECRET
                + "; echo token tok-12345; echo https://deploy:other-pw@repo.example/x",
            TIMEOUT,
            BuildEnvironment.of(System.getenv(), List.of()),
            secrets);

    BuildRunner.Result result = runner.run(dir);

    assertThat(result.log())
        .isEqualTo(
            "connecting amqp://****@broker\npassword ****\ntoken ****\n"
                + "https://deploy:****@repo.example/x\n");
  }

  @Test
  @DisplayName("a secret cut by the start of the excerpt shows no part of it")
  void secretAtTheCutShowsNoPart() {
    BuildRunner runner =
        new BuildRunner(
            "head -c 5000 /dev/zero | tr '\\0' x; printf %s "
                + SECRET
                + "; head -c 3995 /dev/zero | tr '\\0' y",
            TIMEOUT,
            BuildEnvironment.of(System.getenv(), List.of()),
            SecretValues.of(Map.of("DEPLOY_PASSWORD", SECRET)));

    BuildRunner.Result result = runner.run(dir);

    // Cut as printed, the excerpt would start with the secret's last five characters.
    assertThat(result.log()).startsWith("...x****y").endsWith("y").doesNotContain("Vx");
  }

  @Test
  @DisplayName("runs the command with sh -c in the given directory and keeps a short log whole")
  void runsInTheDirectory() throws Exception {
    Files.writeString(dir.resolve("marker.txt"), "in the working copy\n");

    BuildRunner.Result result = runner("cat marker.txt && echo built", TIMEOUT).run(dir);

    assertThat(result.succeeded()).isTrue();
    assertThat(result.log()).isEqualTo("in the working copy\nbuilt\n");
    assertThat(result.took()).isPositive();
  }

  @Test
  @DisplayName("keeps only the last 4000 characters of a long log, marked as cut")
  void keepsTheTailOfALongLog() {
    BuildRunner.Result result =
        runner("head -c 10000 /dev/zero | tr '\\0' x; echo; echo the end", TIMEOUT).run(dir);

    assertThat(result.succeeded()).isTrue();
    assertThat(result.log())
        .hasSize(BuildRunner.LOG_EXCERPT_CHARS + 3)
        .startsWith("...xxx")
        .endsWith("x\nthe end\n");
  }

  @Test
  @DisplayName(
      "a non-zero exit fails the build, with the error output and the exit code in the log")
  void nonZeroExitFails() {
    BuildRunner.Result result = runner("echo broken >&2; exit 3", TIMEOUT).run(dir);

    assertThat(result.succeeded()).isFalse();
    assertThat(result.log()).isEqualTo("broken\n\n[exit code 3]");
  }

  @Test
  @DisplayName("a build past its timeout fails, and it and every process it started are killed")
  void timeoutKillsTheBuildAndItsChildren() {
    Path late = dir.resolve("late.txt");
    BuildRunner runner =
        runner(
            "(sleep 3; echo still running > late.txt) & echo started; sleep 60",
            Duration.ofSeconds(1));

    BuildRunner.Result result = runner.run(dir);

    assertThat(result.succeeded()).isFalse();
    // The shell may report its killed children ("Killed") before it dies too.
    assertThat(result.log()).startsWith("started\n").endsWith("\n[build timed out after 1 s]");
    assertThat(result.took()).isLessThan(Duration.ofSeconds(10));
    // The background child would write its file 3 s after the start, had it survived.
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !Files.exists(late));
  }

  @Test
  @DisplayName("a command that cannot start fails the build instead of throwing")
  void cannotStart() {
    BuildRunner.Result result = runner("echo never", TIMEOUT).run(dir.resolve("no such directory"));

    assertThat(result.succeeded()).isFalse();
    assertThat(result.log()).startsWith("the build command could not start: ");
  }
}
