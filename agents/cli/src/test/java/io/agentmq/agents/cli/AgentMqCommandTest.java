package io.agentmq.agents.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.tck.TestServices;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
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
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AgentMqCommandTest {
  @TempDir Path tmp;

  /** What a run of the command line printed and returned. */
  record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = AgentMqCommand.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  @DisplayName(
      "demo runs the four agents on memory, shows every hop on one trace and ends with the real commits")
  void demo() {
    Run r = run("demo", "--broker", "memory", "--repo", tmp.resolve("demo").toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    Matcher m =
        Pattern.compile("Request (\\S+) completed in \\d+ ms \\(trace ([0-9a-f]{32})\\)")
            .matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    String trace = m.group(2);
    List<String> hops = r.out().lines().filter(l -> l.contains(" <- ")).toList();
    assertThat(hops)
        .hasSizeGreaterThanOrEqualTo(4)
        .allSatisfy(l -> assertThat(l).contains("trace " + trace));
    assertThat(String.join("\n", hops))
        .contains("request-planner", "code-planner", "coding-agent", "orchestrator");
    assertThat(r.out())
        .containsPattern("commit [0-9a-f]{40}")
        .contains("src/Health.java", "README.md");
  }

  @Test
  @DisplayName(
      "demo --requests pushes many requests through and reports throughput and latency percentiles")
  void demoRequests() {
    Run r =
        run(
            "demo",
            "--requests",
            "30",
            "--in-flight",
            "8",
            "--repo",
            tmp.resolve("load").toString());

    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("30 completed, 0 failed")
        .containsPattern("throughput [0-9.]+ requests/s; latency p50 [0-9.]+ ms, p99 [0-9.]+ ms");
  }

  @Test
  @DisplayName("demo --dry-run pushes requests through the four hops without touching git")
  void demoDryRun() throws Exception {
    Path repo = tmp.resolve("dry");
    Run r = run("demo", "--dry-run", "--requests", "50", "--repo", repo.toString());

    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("dry run: no git commits", "50 completed, 0 failed");
    // The demo repository keeps only its initial commit.
    try (org.eclipse.jgit.api.Git git = org.eclipse.jgit.api.Git.open(repo.toFile())) {
      assertThat(git.log().all().call()).hasSize(1);
    }
  }

  @Test
  @DisplayName("every command and subcommand answers --help with its usage")
  void helpEverywhere() {
    List<List<String>> commands = new ArrayList<>();
    for (String c : List.of("demo", "run", "submit", "topics", "health", "send", "tail")) {
      commands.add(List.of(c));
    }
    for (String c : List.of("create", "list", "describe", "delete")) {
      commands.add(List.of("topics", c));
    }
    commands.add(List.of("dlq"));
    for (String c : List.of("stats", "show", "replay", "purge")) {
      commands.add(List.of("dlq", c));
    }
    for (List<String> command : commands) {
      List<String> args = new ArrayList<>(command);
      args.add("--help");
      Run r = run(args.toArray(String[]::new));
      assertThat(r.exitCode()).as(command.toString()).isZero();
      assertThat(r.out())
          .as(command.toString())
          .startsWith("Usage: agentmq " + String.join(" ", command));
    }
  }

  @Test
  @DisplayName(
      "bad input gets one line saying what was wrong and what is accepted, and exit code 2")
  void clearErrors() {
    Run unknownBroker = run("health", "--broker", "nosuch");
    assertThat(unknownBroker.exitCode()).isEqualTo(2);
    assertThat(unknownBroker.err()).contains("nosuch", "memory", "kafka", "amqp");

    Run badKey = run("health", "--set", "consumer.concurency=2");
    assertThat(badKey.exitCode()).isEqualTo(2);
    assertThat(badKey.err()).contains("consumer.concurency", "accepted keys");

    Run unknownType = run("send", "plan.in", "--type", "Nope", "{}");
    assertThat(unknownType.exitCode()).isEqualTo(2);
    assertThat(unknownType.err())
        .contains("unknown message type 'Nope'", "agentmq.v1.ChangeRequest");

    Run badJson = run("send", "plan.in", "--type", "ChangeRequest", "{\"no_such_field\": 1}");
    assertThat(badJson.exitCode()).isEqualTo(2);
    assertThat(badJson.err())
        .contains("not a valid agentmq.v1.ChangeRequest in JSON", "no_such_field");

    Run submitOnMemory =
        run("submit", "--broker", "memory", "--repo", "/tmp/r", "--description", "x");
    assertThat(submitOnMemory.exitCode()).isEqualTo(2);
    assertThat(submitOnMemory.err()).contains("memory backend lives inside one", "agentmq demo");

    Run badAgent = run("run", "--broker", "memory", "planner");
    assertThat(badAgent.exitCode()).isEqualTo(2);
    assertThat(badAgent.err()).contains("unknown agent 'planner'", "request-planner", "all");

    Run missingFile = run("send", "plan.in", "--type", "ChangeRequest", "--file", "/no/such.json");
    assertThat(missingFile.exitCode()).isEqualTo(2);
    assertThat(missingFile.err()).contains("cannot read /no/such.json: no such file");

    Run busyRepo = run("demo", "--repo", System.getProperty("user.dir"));
    assertThat(busyRepo.exitCode()).isEqualTo(2);
    assertThat(busyRepo.err()).contains("is not empty");

    Run unreachable =
        run("health", "--broker", "amqp", "--set", "amqp.url=amqp://guest:secret-pw@127.0.0.1:1");
    assertThat(unreachable.exitCode()).isEqualTo(2);
    assertThat(unreachable.err()).contains("127.0.0.1:1").doesNotContain("secret-pw");
  }

  @Test
  @DisplayName("health and topics create work on the configured backend")
  void healthAndTopics() {
    Run health = run("health", "--broker", "memory");
    assertThat(health.exitCode()).isZero();
    assertThat(health.out()).contains("\"status\" : \"UP\"", "\"backend\" : \"memory\"");

    Run create = run("topics", "create", "--broker", "memory");
    assertThat(create.exitCode()).as(create.err()).isZero();
    assertThat(create.out().lines())
        .hasSize(5)
        .allSatisfy(l -> assertThat(l).contains("created").contains(".deadletter"));
  }

  @Test
  @DisplayName(
      "send puts JSON on the wire as protobuf and tail prints it back as JSON, on RabbitMQ")
  void sendAndTail() throws Exception {
    String topic = "cli.tail." + UUID.randomUUID().toString().substring(0, 8);
    String amqp = amqpUrl();
    CompletableFuture<Run> tail =
        CompletableFuture.supplyAsync(
            () ->
                run(
                    "tail",
                    topic,
                    "--broker",
                    "amqp",
                    "--set",
                    "amqp.url=" + amqp,
                    "--max",
                    "1",
                    "--idle-timeout",
                    "30"));
    // The topic takes messages once tail's queue is bound; until then RabbitMQ returns them.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                run(
                            "send",
                            topic,
                            "--broker",
                            "amqp",
                            "--set",
                            "amqp.url=" + amqp,
                            "--type",
                            "ChangeRequest",
                            "--key",
                            "k1",
                            "{\"id\": \"cli-1\", \"description_md\": \"- add a\", \"repo\": \"/r\"}")
                        .exitCode()
                    == 0);

    Run tailed = tail.get(40, TimeUnit.SECONDS);
    try (MessageQueue queue =
        MessageQueue.create(MqConfig.builder().brokerType("amqp").set("amqp.url", amqp).build())) {
      queue.admin().deleteTopic(topic);
      queue.admin().deleteTopic(topic + ".deadletter");
    }
    assertThat(tailed.exitCode()).as(tailed.err()).isZero();
    assertThat(tailed.out())
        .contains("\"mq-type\":\"agentmq.v1.ChangeRequest\"")
        .contains("\"mq-content-type\":\"application/x-protobuf\"")
        .contains("\"key\":\"k1\"")
        .contains("\"payload\":{\"id\":\"cli-1\",\"descriptionMd\":\"- add a\",\"repo\":\"/r\"}");
  }

  private static String amqpUrl() {
    return TestServices.amqpUrl();
  }

  @Test
  @DisplayName("run serves health and Prometheus metrics, and SIGTERM drains and exits cleanly")
  void runServesHealthAndStopsOnSigterm() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = tmp.resolve("run.log");
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                AgentMqCommand.class.getName(),
                "run",
                "all",
                "--broker",
                "memory",
                "--http-port",
                String.valueOf(port))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> get(http, port, "/health").statusCode() == 200);
      HttpResponse<String> health = get(http, port, "/health");
      assertThat(health.body())
          .contains("\"ready\":true", "\"live\":true", "request-planner", "orchestrator");
      assertThat(get(http, port, "/health/live").statusCode()).isEqualTo(200);
      assertThat(get(http, port, "/metrics").body())
          .contains("agentmq_consumer_delivered_total{group=\"coding-agent\"")
          .contains("agentmq_consumer_handled_seconds", "agentmq_consumer_lag_messages");

      process.destroy(); // SIGTERM
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      // 128 + 15: ended by SIGTERM, after the shutdown hook drained the services.
      assertThat(process.exitValue()).isEqualTo(143);
      assertThat(Files.readString(log, StandardCharsets.UTF_8))
          .contains("running request-planner, code-planner, coding-agent, orchestrator")
          .contains("stopping: finishing in-flight messages");
    } finally {
      process.destroyForcibly();
    }
  }

  private static HttpResponse<String> get(HttpClient http, int port, String path)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
