package io.agentmq.bench;

import java.util.ArrayList;
import java.util.List;

/** Runs the raw client and AgentMQ alternately: a warm-up of each, then A B A B... */
final class Rounds {

  /** One timed run; {@code round} 0 is the warm-up, whose result is dropped. */
  @FunctionalInterface
  interface Trial<T> {
    T run(int round) throws Exception;
  }

  /** Each side's results, in round order. */
  record Results<T>(List<T> raw, List<T> agentmq) {}

  private Rounds() {}

  static <T> Results<T> alternate(int rounds, Trial<T> raw, Trial<T> agentmq) throws Exception {
    raw.run(0);
    agentmq.run(0);
    List<T> r = new ArrayList<>();
    List<T> a = new ArrayList<>();
    for (int i = 1; i <= rounds; i++) {
      r.add(raw.run(i));
      a.add(agentmq.run(i));
    }
    return new Results<>(r, a);
  }

  /** A throughput row: messages per second of each round. */
  static Row throughput(
      String section, String name, int rounds, Trial<Double> raw, Trial<Double> agentmq)
      throws Exception {
    Results<Double> results = alternate(rounds, raw, agentmq);
    Row row = Row.of(section, name, "msg/s", true, results.raw(), results.agentmq());
    System.out.println(row);
    return row;
  }

  /**
   * A throughput row and, beside it, a row of this JVM's CPU per message in each round (process CPU
   * time over {@code messages}: the client side only, a broker in its own JVM is not counted). CPU
   * is steadier than throughput on a busy machine and says where the client's cost is.
   */
  static List<Row> throughputAndCpu(
      String section,
      String name,
      int rounds,
      long messages,
      Trial<Double> raw,
      Trial<Double> agentmq)
      throws Exception {
    List<Double> rawCpu = new ArrayList<>();
    List<Double> agentmqCpu = new ArrayList<>();
    Results<Double> results =
        alternate(rounds, cpuOf(raw, messages, rawCpu), cpuOf(agentmq, messages, agentmqCpu));
    Row throughput = Row.of(section, name, "msg/s", true, results.raw(), results.agentmq());
    Row cpu =
        Row.of(
            section,
            name + ": client CPU",
            "µs/msg",
            false,
            rawCpu.subList(1, rawCpu.size()),
            agentmqCpu.subList(1, agentmqCpu.size()));
    System.out.println(throughput);
    System.out.println(cpu);
    return List.of(throughput, cpu);
  }

  private static Trial<Double> cpuOf(Trial<Double> trial, long messages, List<Double> cpu) {
    return round -> {
      long before = processCpuNanos();
      double result = trial.run(round);
      cpu.add((processCpuNanos() - before) / 1e3 / messages);
      return result;
    };
  }

  /** This JVM's CPU time so far, all threads. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Messages per second from a count and the nanoseconds it took. */
  static double perSecond(long messages, long nanos) {
    return messages / (nanos / 1e9);
  }
}
