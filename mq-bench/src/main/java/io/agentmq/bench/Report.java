package io.agentmq.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;

/** The rows as Markdown (machine, command, targets, one table per section) and a PNG chart. */
final class Report {
  private static final Map<String, String> TITLES = new LinkedHashMap<>();

  /** The git-free pipeline's throughput targets, by backend. */
  private static final Map<String, Integer> PIPELINE_REQUESTS_PER_SECOND =
      Map.of("Kafka", 20_000, "memory", 25_000);

  static {
    TITLES.put("kafka", "Kafka: raw KafkaProducer/KafkaConsumer vs AgentMQ");
    TITLES.put("rabbitmq", "RabbitMQ: raw amqp-client vs AgentMQ");
    TITLES.put("memory", "In-process: ArrayBlockingQueue hand-off vs AgentMQ memory backend");
    TITLES.put("latency", "End-to-end latency at a fixed rate (lower is better)");
    TITLES.put("serialization", "Serialization, JMH (lower is better)");
    TITLES.put("pipeline", "Agent pipeline: change requests through four hops");
    TITLES.put(
        PipelineBench.RATE_SECTION,
        "Agent pipeline at a fixed rate: latency from each request's scheduled send");
    TITLES.put(
        "footprint", "Memory footprint, one producer + one consumer per JVM (lower is better)");
  }

  private final List<Row> rows;
  private final String command;
  private final Map<String, String> environment;

  /**
   * @param environment what ran where: machine, JDK, brokers (label → description)
   */
  Report(List<Row> rows, String command, Map<String, String> environment) {
    this.rows = rows;
    this.command = command;
    this.environment = environment;
  }

  /** A target of the benchmark issue and whether this run meets it. */
  record Target(String what, String measured, Optional<Boolean> met) {}

  List<Target> targets() {
    List<Target> targets = new ArrayList<>();
    for (String section : List.of("kafka", "rabbitmq")) {
      List<Row> throughput =
          select(r -> r.section().equals(section) && r.hasRaw() && r.unit().equals("msg/s"));
      if (!throughput.isEmpty()) {
        double min = throughput.stream().mapToDouble(Row::ratio).min().orElseThrow();
        double median = Row.median(throughput.stream().mapToDouble(Row::ratio).toArray());
        targets.add(
            new Target(
                section.equals("kafka")
                    ? "Kafka throughput AgentMQ/raw ≥ 0.95"
                    : "RabbitMQ throughput AgentMQ/raw ≥ 0.95",
                String.format(
                    Locale.ROOT,
                    "lowest %.2f, median %.2f over %d rows",
                    min,
                    median,
                    throughput.size()),
                Optional.of(min >= 0.95)));
      }
    }
    select(r -> r.section().equals("memory"))
        .forEach(
            r ->
                targets.add(
                    new Target(
                        "memory backend ≥ 5M msg/s and ≥ 0.5 of the queue hand-off",
                        String.format(
                            Locale.ROOT,
                            "%s msg/s, %.2f of ArrayBlockingQueue",
                            Row.format(r.agentmqMedian()),
                            r.ratio()),
                        Optional.of(r.agentmqMedian() >= 5e6 && r.ratio() >= 0.5))));
    select(r -> r.section().equals("latency") && r.name().contains("10,000 msg/s, p99")).stream()
        .filter(r -> r.name().endsWith("p99"))
        .forEach(
            r -> {
              double overhead = r.agentmqMedian() - r.rawMedian();
              targets.add(
                  new Target(
                      "p99 overhead ≤ 1 ms at 10k msg/s ("
                          + r.name().substring(0, r.name().indexOf(','))
                          + ")",
                      String.format(
                          Locale.ROOT,
                          "%+.2f ms (raw %s ms, AgentMQ %s ms)",
                          overhead,
                          Row.format(r.rawMedian()),
                          Row.format(r.agentmqMedian())),
                      Optional.of(overhead <= 1.0)));
            });
    select(
            r ->
                r.section().equals("pipeline")
                    && r.name().contains(", coding agent without git")
                    && r.name().endsWith("throughput"))
        .forEach(
            r -> {
              String backend = r.name().substring(0, r.name().indexOf(','));
              Integer floor = PIPELINE_REQUESTS_PER_SECOND.get(backend);
              if (floor != null) {
                targets.add(
                    new Target(
                        String.format(
                            Locale.ROOT,
                            "≥ %dk change requests/s through four hops on %s, coding agent without"
                                + " git",
                            floor / 1000,
                            backend),
                        String.format(
                            Locale.ROOT,
                            "%s req/s (%.2f of the target)",
                            Row.format(r.agentmqMedian()),
                            r.agentmqMedian() / floor),
                        Optional.of(r.agentmqMedian() >= floor)));
              }
              if (r.hasRaw()) {
                double ratio = backend.equals("Kafka") ? 0.9 : 0.8;
                targets.add(
                    new Target(
                        String.format(
                            Locale.ROOT,
                            "pipeline throughput AgentMQ/raw relay ≥ %.1f (%s, coding agent"
                                + " without git)",
                            ratio,
                            backend),
                        String.format(
                            Locale.ROOT,
                            "%.2f (raw %s req/s, AgentMQ %s req/s)",
                            r.ratio(),
                            Row.format(r.rawMedian()),
                            Row.format(r.agentmqMedian())),
                        Optional.of(r.ratio() >= ratio)));
              }
            });
    select(
            r ->
                r.section().equals(PipelineBench.RATE_SECTION)
                    && r.hasRaw()
                    && r.name().contains(", 1,000 requests/s ")
                    && r.name().endsWith(": p99"))
        .forEach(
            r -> {
              double overhead = r.agentmqMedian() - r.rawMedian();
              targets.add(
                  new Target(
                      "pipeline p99 at 1k requests/s ≤ raw relay p99 + 2 ms ("
                          + r.name().substring(0, r.name().indexOf(','))
                          + ")",
                      String.format(
                          Locale.ROOT,
                          "%+.2f ms (raw %s ms, AgentMQ %s ms)",
                          overhead,
                          Row.format(r.rawMedian()),
                          Row.format(r.agentmqMedian())),
                      Optional.of(overhead <= 2.0)));
            });
    return targets;
  }

  private List<Row> select(Predicate<Row> which) {
    return rows.stream().filter(which).toList();
  }

  String markdown(String chartFile) {
    StringBuilder md = new StringBuilder();
    md.append("# AgentMQ benchmarks\n\n");
    md.append("Produced by `").append(command).append("` — raw client and AgentMQ alternate in\n");
    md.append("one process on the same broker (a warm-up round of each, then raw, AgentMQ, raw,\n");
    md.append("AgentMQ…); every figure is the median of the rounds, the spread is min–max.\n");
    md.append("AgentMQ/raw above 1 means faster for throughput rows and slower (or bigger) for\n");
    md.append("time and memory rows.\n\n");
    environment.forEach(
        (k, v) -> md.append("- **").append(k).append("**: ").append(v).append('\n'));
    md.append('\n');
    if (chartFile != null) {
      md.append("![AgentMQ/raw throughput per row](").append(chartFile).append(")\n\n");
    }
    List<Target> targets = targets();
    if (!targets.isEmpty()) {
      md.append("## Targets\n\n| target | this run | met |\n|---|---|---|\n");
      for (Target t : targets) {
        md.append("| ")
            .append(t.what())
            .append(" | ")
            .append(t.measured())
            .append(" | ")
            .append(t.met().map(m -> m ? "yes" : "**no**").orElse("—"))
            .append(" |\n");
      }
      md.append('\n');
    }
    int id = 0;
    for (Map.Entry<String, String> section : TITLES.entrySet()) {
      List<Row> rs = select(r -> r.section().equals(section.getKey()));
      if (rs.isEmpty()) {
        continue;
      }
      md.append("## ").append(section.getValue()).append("\n\n");
      md.append(
          "| # | benchmark | unit | raw | AgentMQ | AgentMQ/raw | raw spread | AgentMQ spread |\n");
      md.append("|---|---|---|---:|---:|---:|---:|---:|\n");
      for (Row r : rs) {
        md.append("| ")
            .append(label(r, ++id))
            .append(" | ")
            .append(r.name())
            .append(" | ")
            .append(r.unit())
            .append(" | ")
            .append(r.hasRaw() ? Row.format(r.rawMedian()) : "—")
            .append(" | ")
            .append(Row.format(r.agentmqMedian()))
            .append(" | ")
            .append(r.hasRaw() ? String.format(Locale.ROOT, "%.2f", r.ratio()) : "—")
            .append(" | ")
            .append(Row.spread(r.raw()))
            .append(" | ")
            .append(Row.spread(r.agentmq()))
            .append(" |\n");
      }
      if (section.getKey().equals("pipeline")) {
        md.append(
            "\nRaw: the same four hops written directly on kafka-clients and amqp-client (same"
                + " topics, keys, protobuf messages, planners and git-free coding agent; outputs"
                + " acknowledged by the broker before the input is committed or acked). The memory"
                + " backend and the real-git rows have no raw counterpart: absolute figures, held"
                + " against the target above. CPU is this JVM's while the requests ran.\n");
      }
      if (section.getKey().equals(PipelineBench.RATE_SECTION)) {
        md.append(
            "\nOpen loop, coding agent without git: requests are sent on schedule whatever the"
                + " pipeline's pace, and each one's latency runs from its scheduled send to the"
                + " orchestrator seeing its outcome, so a pipeline that falls behind shows here"
                + " rather than slowing the sender. Each round starts the pipeline afresh and"
                + " sends, unrecorded, for a fifth of the measured time (at most 2 s) before"
                + " the measured requests. Completed:"
                + " the measured requests over the measured period, or over the time from its"
                + " start to the last outcome when that is longer: the rate offered when the"
                + " pipeline keeps up, less when it falls behind. The targets"
                + " above hold AgentMQ's p99 against the raw relay's (AgentMQ − raw, in ms).\n");
      }
      md.append('\n');
    }
    return md.toString();
  }

  /** The short label of a row, used in the chart: section initial and the row's number. */
  private static String label(Row r, int id) {
    return r.section().substring(0, 1).toUpperCase(Locale.ROOT) + id;
  }

  /** Bars of AgentMQ/raw for the throughput rows, with lines at 1 and at the 0.95 target. */
  void chart(Path png) throws IOException {
    List<String> labels = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    int id = 0;
    for (String section : TITLES.keySet()) {
      for (Row r : select(x -> x.section().equals(section))) {
        id++;
        if (r.hasRaw() && r.higherIsBetter()) {
          labels.add(label(r, id));
          ratios.add(r.ratio());
        }
      }
    }
    if (labels.isEmpty()) {
      return;
    }
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(1100)
            .height(520)
            .title("AgentMQ / raw client throughput (row numbers as in docs/benchmarks.md)")
            .xAxisTitle("row")
            .yAxisTitle("AgentMQ / raw")
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setXAxisLabelRotation(90);
    chart.getStyler().setOverlapped(true);
    chart.addSeries("AgentMQ / raw", labels, ratios);
    chart
        .addSeries("target 0.95", labels, labels.stream().map(l -> 0.95).toList())
        .setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
    Files.createDirectories(png.toAbsolutePath().getParent());
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  void write(Path markdown, Path png) throws IOException {
    if (png != null) {
      chart(png);
    }
    Files.createDirectories(markdown.toAbsolutePath().getParent());
    String chartLink =
        png == null
            ? null
            : markdown.toAbsolutePath().getParent().relativize(png.toAbsolutePath()).toString();
    Files.writeString(markdown, markdown(chartLink), StandardCharsets.UTF_8);
  }
}
