package io.agentmq.agents.cli.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.agents.cli.AgentMqCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code agentmq console} and the console of {@code agentmq run --http-port}, over HTTP. */
@Timeout(180)
class ConsoleCommandTest {
  private static final Pattern CONSOLE_URL =
      Pattern.compile(
          "console (?:of the 'memory' backend )?on http://127\\.0\\.0\\.1:(\\d+)/console");

  @TempDir Path tmp;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  @DisplayName(
      "agentmq console --help describes the console; without --http-port it says what is missing")
  void help() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = AgentMqCommand.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute("console", "--help")).isZero();
    assertThat(out.toString())
        .contains(
            "Usage: agentmq console", "--http-port=PORT", "--read-only", "--broker", "Ctrl-C");

    StringWriter missing = new StringWriter();
    CommandLine again = AgentMqCommand.commandLine();
    again.setErr(new PrintWriter(missing, true));
    assertThat(again.execute("console", "--broker", "memory")).isEqualTo(2);
    assertThat(missing.toString()).contains("Missing required option: '--http-port=PORT'");
  }

  @Test
  @DisplayName(
      "agentmq run --http-port serves /console with the agents' groups UP; a foreign Host or a"
          + " form without the console's token is refused")
  void runServesTheConsole() throws Exception {
    Process process = start(tmp.resolve("run.log"), "run", "all");
    try {
      int port = consolePort(tmp.resolve("run.log"));
      HttpResponse<String> page = get(port, "/console?refresh=off");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
      assertThat(page.headers().firstValue("Content-Security-Policy")).isPresent();
      assertThat(page.body())
          .contains("Consumer groups", "data-topic=\"plan.in\"", "<span class=\"up\">UP</span>")
          .doesNotContain("No consumer runs in this process");
      assertThat(Pattern.compile("data-group=\"").matcher(page.body()).results().count())
          .isGreaterThanOrEqualTo(4);
      assertThat(get(port, "/console/deadletters?topic=plan.in").body())
          .contains("plan.in.deadletter", "<b id=\"total\">0</b>");
      assertThat(get(port, "/health").statusCode()).isEqualTo(200);

      assertThat(rawStatus(port, "GET /console HTTP/1.1\r\nHost: attacker.example\r\n"))
          .isEqualTo(421);
      HttpResponse<String> forged =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/console/deadletters/purge"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString("topic=plan.in&confirm=yes"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(forged.statusCode()).isEqualTo(403);
    } finally {
      stop(process);
    }
  }

  @Test
  @DisplayName("agentmq console serves the console alone, saying no consumer runs in the process")
  void consoleAlone() throws Exception {
    Process process = start(tmp.resolve("console.log"), "console");
    try {
      int port = consolePort(tmp.resolve("console.log"));
      HttpResponse<String> page = get(port, "/console");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body())
          .contains(
              "Backend <b>memory</b>", "No consumer runs in this process", "Dead-letter topics");
      HttpResponse<String> root = get(port, "/");
      assertThat(root.statusCode()).as("/ leads to the console").isEqualTo(302);
      assertThat(root.headers().firstValue("Location")).hasValue("/console");
      assertThat(get(port, "/metrics").statusCode()).isEqualTo(200);
    } finally {
      stop(process);
    }
  }

  private static Process start(Path log, String... command) throws IOException {
    List<String> line = new ArrayList<>();
    line.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    line.add("-Xmx256m");
    line.add("-cp");
    line.add(System.getProperty("java.class.path"));
    line.add(AgentMqCommand.class.getName());
    line.addAll(List.of(command));
    line.addAll(List.of("--broker", "memory", "--http-port", "0"));
    ProcessBuilder builder = new ProcessBuilder(line);
    builder.environment().remove("AGENTMQ_HTTP_TOKEN");
    return builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  private static int consolePort(Path log) {
    String output =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "",
                text -> CONSOLE_URL.matcher(text).find());
    Matcher m = CONSOLE_URL.matcher(output);
    assertThat(m.find()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The status of a request written by hand (HttpClient will not send another Host). */
  private static int rawStatus(int port, String head) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write((head + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      return Integer.parseInt(status.substring(9, 12));
    }
  }
}
