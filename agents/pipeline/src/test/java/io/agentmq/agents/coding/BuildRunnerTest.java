package io.agentmq.agents.coding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildRunnerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  @DisplayName("runs the command with sh -c in the given directory and keeps a short log whole")
  void runsInTheDirectory() throws Exception {
    Files.writeString(dir.resolve("marker.txt"), "in the working copy\n");

    BuildRunner.Result result = new BuildRunner("cat marker.txt && echo built", TIMEOUT).run(dir);

    assertThat(result.succeeded()).isTrue();
    assertThat(result.log()).isEqualTo("in the working copy\nbuilt\n");
    assertThat(result.took()).isPositive();
  }

  @Test
  @DisplayName("keeps only the last 4000 characters of a long log, marked as cut")
  void keepsTheTailOfALongLog() {
    BuildRunner.Result result =
        new BuildRunner("head -c 10000 /dev/zero | tr '\\0' x; echo; echo the end", TIMEOUT)
            .run(dir);

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
    BuildRunner.Result result = new BuildRunner("echo broken >&2; exit 3", TIMEOUT).run(dir);

    assertThat(result.succeeded()).isFalse();
    assertThat(result.log()).isEqualTo("broken\n\n[exit code 3]");
  }

  @Test
  @DisplayName("a build past its timeout fails, and it and every process it started are killed")
  void timeoutKillsTheBuildAndItsChildren() {
    Path late = dir.resolve("late.txt");
    BuildRunner runner =
        new BuildRunner(
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
    BuildRunner.Result result =
        new BuildRunner("echo never", TIMEOUT).run(dir.resolve("no such directory"));

    assertThat(result.succeeded()).isFalse();
    assertThat(result.log()).startsWith("the build command could not start: ");
  }
}
