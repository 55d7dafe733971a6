package io.agentmq.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Encode + decode of a {@code ChangeRequest} with JMH: protobuf-java alone ({@link
 * RawProtobufBenchmark}) against AgentMQ's {@code MessageCodec} ({@link SerializationBenchmark}),
 * binary and JSON; and payload encryption ({@link PayloadCipherBenchmark}). Each JMH measurement
 * iteration is a round; nanoseconds per operation.
 */
final class SerializationBench {
  private final boolean quick;

  SerializationBench(boolean quick) {
    this.quick = quick;
  }

  List<Row> run() throws Exception {
    ChainedOptionsBuilder options =
        new OptionsBuilder()
            .include(RawProtobufBenchmark.class.getName() + ".changeRequest")
            .include(SerializationBenchmark.class.getName() + ".changeRequestRoundTrip")
            .include(PayloadCipherBenchmark.class.getName())
            .param("contentType", "PROTOBUF", "JSON")
            .shouldFailOnError(true);
    if (quick) {
      // In this JVM, one short iteration: the harness runs, the figure means nothing.
      options
          .forks(0)
          .warmupIterations(0)
          .measurementIterations(1)
          .measurementTime(TimeValue.milliseconds(50));
    } else {
      options
          .forks(1)
          .warmupIterations(3)
          .warmupTime(TimeValue.seconds(1))
          .measurementIterations(5)
          .measurementTime(TimeValue.seconds(1));
    }
    Map<String, List<Double>> byName = new java.util.HashMap<>();
    for (RunResult result : new Runner(options.build()).run()) {
      String method = result.getParams().getBenchmark();
      method = method.substring(method.lastIndexOf('.') + 1);
      String param = result.getParams().getParam("contentType");
      if (param == null) {
        param = result.getParams().getParam("size");
      }
      List<Double> values = new ArrayList<>();
      for (var benchmark : result.getBenchmarkResults()) {
        for (IterationResult iteration : benchmark.getIterationResults()) {
          values.add(iteration.getPrimaryResult().getScore() * nanosPer(iteration.getScoreUnit()));
        }
      }
      byName.put(param == null ? method : method + "/" + param, values);
    }
    List<Row> rows = new ArrayList<>();
    rows.add(
        row(
            "ChangeRequest encode + decode, protobuf binary",
            byName.get("changeRequestBinary"),
            byName.get("changeRequestRoundTrip/PROTOBUF")));
    rows.add(
        row(
            "ChangeRequest encode + decode, JSON",
            byName.get("changeRequestJson"),
            byName.get("changeRequestRoundTrip/JSON")));
    for (String size : List.of("200", "2048")) {
      rows.add(
          row(
              "payload encrypt + decrypt, AES-256-GCM, " + size + " B (no raw counterpart)",
              List.of(),
              byName.get("encryptDecrypt/" + size)));
    }
    return rows;
  }

  private static double nanosPer(String unit) {
    // AverageTime in the benchmarks' own unit, e.g. "ns/op".
    return switch (unit.substring(0, unit.indexOf('/'))) {
      case "ns" -> 1;
      case "us" -> TimeUnit.MICROSECONDS.toNanos(1);
      case "ms" -> TimeUnit.MILLISECONDS.toNanos(1);
      default -> throw new IllegalStateException("unexpected JMH unit " + unit);
    };
  }

  private static Row row(String name, List<Double> raw, List<Double> agentmq) {
    Row row = Row.of("serialization", name, "ns/op", false, raw, agentmq);
    System.out.println(row);
    return row;
  }
}
