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

  /** Messages per second from a count and the nanoseconds it took. */
  static double perSecond(long messages, long nanos) {
    return messages / (nanos / 1e9);
  }
}
