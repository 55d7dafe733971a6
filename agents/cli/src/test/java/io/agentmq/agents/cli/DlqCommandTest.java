package io.agentmq.agents.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.NonRetryableException;
import io.agentmq.api.Subscription;
import io.agentmq.api.deadletter.DeadLetters;
import io.agentmq.kafka.KafkaTestBroker;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** {@code agentmq dlq stats|show|replay|purge} driven against real brokers. */
@Timeout(300)
class DlqCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Run(int exitCode, String out, String err) {}

  private static Run run(String stdin, List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = AgentMqCommand.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    InputStream in = System.in;
    System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    try {
      int code = cli.execute(args.toArray(String[]::new));
      return new Run(code, out.toString(), err.toString());
    } finally {
      System.setIn(in);
    }
  }

  private static Run dlq(List<String> broker, String... args) {
    return dlqWithInput("", broker, args);
  }

  private static Run dlqWithInput(String stdin, List<String> broker, String... args) {
    List<String> all = new ArrayList<>(List.of("dlq"));
    all.addAll(List.of(args));
    all.addAll(broker);
    Run r = run(stdin, all);
    return r;
  }

  static Stream<Arguments> brokers() {
    String amqp = System.getenv("AMQP_URL");
    amqp = amqp != null && !amqp.isBlank() ? amqp : "amqp://guest:guest@127.0.0.1:5672";
    return Stream.of(
        Arguments.of("amqp", List.of("--broker", "amqp", "--set", "amqp.url=" + amqp)),
        Arguments.of(
            "kafka",
            List.of(
                "--broker",
                "kafka",
                "--set",
                "kafka.bootstrap_servers=" + KafkaTestBroker.bootstrapServers())));
  }

  private static MqConfig config(List<String> broker) {
    MqConfig.Builder b = MqConfig.builder().brokerType(broker.get(1)).maxRetries(0);
    for (int i = 2; i + 1 < broker.size(); i += 2) {
      String[] kv = broker.get(i + 1).split("=", 2);
      b.set(kv[0], kv[1]);
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokers")
  @DisplayName("stats counts, show decodes, replay sends back, purge asks and removes")
  void dlqCommands(String backend, List<String> broker) throws Exception {
    String topic = "cli.dlq." + UUID.randomUUID().toString().substring(0, 8);
    ConcurrentLinkedQueue<Delivery> handled = new ConcurrentLinkedQueue<>();
    try (MessageQueue queue = MessageQueue.create(config(broker))) {
      queue.subscribe(
          Subscription.to(topic)
              .group("cli-dlq")
              .concurrency(1)
              .handler(
                  d -> {
                    if (d.header(Headers.REPLAY_COUNT).isEmpty()) {
                      throw new NonRetryableException("poison " + d.message().payloadAsText());
                    }
                    handled.add(d);
                  })
              .build());
      for (int i = 0; i < 5; i++) {
        queue.createProducer().sendAndWait(topic, Message.of("k" + i, ("m" + i).getBytes()));
      }
      DeadLetters dl = queue.deadLetters();
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(300))
          .until(() -> dl.stats(topic).total() == 5);

      Run stats = dlq(broker, "stats", topic);
      assertThat(stats.exitCode()).as(stats.err()).isZero();
      assertThat(stats.out())
          .contains(topic + ".deadletter: 5 dead letter(s)")
          .contains("by original topic:", topic)
          .contains("by exception:", NonRetryableException.class.getName())
          .contains("by age:", "<1h");

      Run show = dlq(broker, "show", topic, "--limit", "2", "--reason", "POISON");
      assertThat(show.exitCode()).as(show.err()).isZero();
      List<JsonNode> lines = new ArrayList<>();
      for (String line : show.out().strip().split("\n")) {
        lines.add(JSON.readTree(line));
      }
      assertThat(lines).hasSize(2);
      JsonNode first = lines.get(0);
      assertThat(first.path("headers").path(Headers.DLQ_ORIGINAL_TOPIC).asText()).isEqualTo(topic);
      assertThat(first.path("headers").path(Headers.DLQ_REASON).asText()).contains("poison m");
      assertThat(first.path("headers").has(Headers.DLQ_FAILED_AT)).isTrue();
      assertThat(first.path("payload_base64").asText()).isNotEmpty();
      String firstId = first.path("id").asText();

      Run dry = dlq(broker, "replay", topic, "--dry-run");
      assertThat(dry.exitCode()).as(dry.err()).isZero();
      assertThat(dry.out()).contains("dry run: would have replayed 5");
      assertThat(dl.stats(topic).total()).isEqualTo(5);

      Run one = dlq(broker, "replay", topic, "--id", firstId, "--progress", "always");
      assertThat(one.exitCode()).as(one.err()).isZero();
      assertThat(one.out()).contains("replayed 1");
      assertThat(one.err()).contains("replay [");
      await().atMost(Duration.ofSeconds(60)).until(() -> handled.size() == 1);
      assertThat(handled.peek().id()).isEqualTo(firstId);
      assertThat(handled.peek().header(Headers.REPLAY_COUNT)).contains("1");

      Run refused = dlqWithInput("n\n", broker, "purge", topic);
      assertThat(refused.exitCode()).isEqualTo(1);
      assertThat(refused.err()).contains("Purge 4 of 4", "not confirmed");
      assertThat(dl.stats(topic).total()).isEqualTo(4);

      Run confirmed = dlqWithInput("y\n", broker, "purge", topic, "--limit", "1");
      assertThat(confirmed.exitCode()).as(confirmed.err()).isZero();
      assertThat(confirmed.out()).contains("purged 1");
      assertThat(dl.stats(topic).total()).isEqualTo(3);

      Run yes = dlq(broker, "purge", topic, "--yes");
      assertThat(yes.exitCode()).as(yes.err()).isZero();
      assertThat(yes.out()).contains("purged 3");
      assertThat(dl.stats(topic).total()).isZero();

      Run badTime = dlq(broker, "show", topic, "--since", "yesterday");
      assertThat(badTime.exitCode()).isEqualTo(2);
      assertThat(badTime.err()).contains("--since 'yesterday' is not a time");
    } finally {
      if (backend.equals("amqp")) {
        try (MessageQueue queue = MessageQueue.create(config(broker))) {
          queue.admin().deleteTopic(topic);
          queue.admin().deleteTopic(topic + ".deadletter");
        }
      }
    }
  }
}
