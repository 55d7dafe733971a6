package io.agentmq.agents.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code agentmq run}'s HTTP options, in a process of its own as an operator starts it. */
class HttpEndpointCommandTest {
  private static final String TOKEN = "cmd-line-token-9f8e7d6c5b4a3210";
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path tmp;

  @Test
  @Timeout(120)
  @DisplayName(
      "run --http-token-file serves on 127.0.0.1 by default, says so, and asks for the token,"
          + " which it never prints")
  void runWithTokenFileOnLoopback() throws Exception {
    Path tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    Path log = tmp.resolve("run.log");
    Process process = run(log, "--http-token-file", tokenFile.toString());
    try {
      int port = listeningPort(log, "127\\.0\\.0\\.1", " \\(bearer token required\\)");

      HttpResponse<String> anonymous = get(port, "/health", null);
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("WWW-Authenticate").orElseThrow())
          .startsWith("Bearer");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> get(port, "/health", "Bearer " + TOKEN).statusCode() == 200);
      assertThat(get(port, "/health", "Bearer " + TOKEN).body())
          .contains("\"ready\":true")
          .doesNotContain(TOKEN);
      assertThat(get(port, "/metrics", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
      assertThat(get(port, "/metrics", "Bearer wrong-token-0123456789").statusCode())
          .isEqualTo(401);

      assertThat(Files.readString(log, StandardCharsets.UTF_8))
          .doesNotContain(TOKEN)
          .doesNotContain("without a bearer token");
    } finally {
      process.destroyForcibly().waitFor();
    }
  }

  @Test
  @Timeout(120)
  @DisplayName("run --http-host 0.0.0.0 without a token serves every interface and logs a WARN")
  void runOnEveryInterfaceWarns() throws Exception {
    Path log = tmp.resolve("run.log");
    Process process = run(log, "--http-host", "0.0.0.0");
    try {
      int port = listeningPort(log, "0\\.0\\.0\\.0", " \\(every interface\\)");

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> get(port, "/health", null).statusCode() == 200);
      assertThat(Files.readString(log, StandardCharsets.UTF_8))
          .containsPattern("WARN .* serving /health and /metrics on http://0\\.0\\.0\\.0:" + port)
          .contains("without a bearer token: anyone who can reach this address");
    } finally {
      process.destroyForcibly().waitFor();
    }
  }

  @Test
  @DisplayName(
      "--http-token-file without --http-port, or a missing token file, stops run before it starts"
          + " (exit 2)")
  void badHttpOptionsStopRun() {
    assertThat(runInProcess("run", "all", "--broker", "memory", "--http-token-file", "/x"))
        .isEqualTo(
            "2: agentmq run: --http-host and --http-token-file configure the HTTP endpoint; add"
                + " --http-port to serve it");
    Path missing = tmp.resolve("no-token-here");
    assertThat(
            runInProcess(
                "run",
                "all",
                "--broker",
                "memory",
                "--http-port",
                "0",
                "--http-token-file",
                missing.toString()))
        .isEqualTo(
            "2: agentmq run: cannot read the --http-token-file "
                + missing
                + ": no such file; give a file that holds the bearer token");
  }

  /** The exit code and what was printed on stderr. */
  private static String runInProcess(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = AgentMqCommand.commandLine();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    int code = cli.execute(args);
    return code + ": " + err.toString().strip();
  }

  /** {@code agentmq run all} on the memory backend, with no token in its environment. */
  private static Process run(Path log, String... httpOptions) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(AgentMqCommand.class.getName());
    command.addAll(List.of("run", "all", "--broker", "memory", "--http-port", "0"));
    command.addAll(List.of(httpOptions));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove(BearerAuthenticator.ENVIRONMENT_VARIABLE);
    return builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Waits for the startup line and returns the port it names after {@code host}. */
  private static int listeningPort(Path log, String host, String notes) {
    Pattern line =
        Pattern.compile("health and metrics on http://" + host + ":(\\d+)" + notes + "; Ctrl-C");
    String output =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "",
                text -> line.matcher(text).find());
    Matcher m = line.matcher(output);
    assertThat(m.find()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static HttpResponse<String> get(int port, String path, String authorization)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
