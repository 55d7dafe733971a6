package io.agentmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.kafka.KafkaTestBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.DoublePredicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Keeps the harness from rotting: a {@code --quick} run of every section on the test brokers must
 * produce its rows, each with a figure per round, and write the report and chart. Speed is not
 * checked: quick counts say nothing about it.
 */
class BenchTest {

  @Test
  @DisplayName("a --quick run fills every section with figures and writes the report and chart")
  void quickRunProducesEveryRow(@TempDir Path dir) throws Exception {
    Bench bench = new Bench();
    Path report = dir.resolve("benchmarks.md");
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(bench)
            .setErr(new PrintWriter(err, true))
            .execute(
                "--quick",
                "--kafka-bootstrap",
                KafkaTestBroker.bootstrapServers(),
                "--out",
                report.toString());

    // picocli prints a failing section's exception to its error stream: show it, not just "1".
    assertThat(exit).as("exit code; the run's errors:%n%s", err).isZero();
    assertThat(bench.rows())
        .extracting(Row::section)
        .containsOnly(
            "memory",
            "kafka",
            "rabbitmq",
            "latency",
            "serialization",
            "pipeline",
            "pipeline-rate",
            "footprint");
    assertThat(bench.rows().stream().filter(r -> r.section().equals("kafka"))).hasSize(32);
    assertThat(bench.rows().stream().filter(r -> r.section().equals("rabbitmq"))).hasSize(8);
    assertThat(bench.rows().stream().filter(r -> r.section().equals("latency"))).hasSize(12);
    // p50, p99 and completed req/s on memory, Kafka and RabbitMQ.
    assertThat(bench.rows().stream().filter(r -> r.section().equals("pipeline-rate"))).hasSize(9);
    for (Row row : bench.rows()) {
      // Process CPU time advances in clock ticks (10 ms): a quick round that mostly waits on the
      // broker may use none, so a CPU figure may be zero; every other figure is positive.
      DoublePredicate figure =
          row.unit().startsWith("µs/")
              ? v -> v >= 0 && Double.isFinite(v)
              : v -> v > 0 && Double.isFinite(v);
      assertThat(row.agentmq()).as(row.name()).isNotEmpty();
      assertThat(Arrays.stream(row.agentmq()).allMatch(figure)).as(row.name()).isTrue();
      assertThat(Arrays.stream(row.raw()).allMatch(figure)).as(row.name()).isTrue();
      // The encryption cost says it has no raw-client counterpart; the pipeline has none on the
      // memory backend nor with real git commits.
      boolean withoutRaw =
          row.name().contains("no raw counterpart")
              || row.section().startsWith("pipeline")
                  && (row.name().startsWith("memory,") || row.name().contains("real git commits"));
      if (!withoutRaw) {
        assertThat(row.raw()).as(row.name() + " has a raw figure").isNotEmpty();
      }
    }
    String markdown = Files.readString(report);
    assertThat(markdown).contains("| target | this run | met |", "AgentMQ/raw", "benchmarks.png");
    assertThat(Files.size(dir.resolve("benchmarks.png"))).isPositive();
  }
}
