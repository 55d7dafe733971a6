package io.agentmq.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One line of the report: the raw client's and AgentMQ's figure in each round, their medians and
 * the ratio AgentMQ/raw. A row without a raw counterpart has an empty {@code raw}.
 *
 * @param higherIsBetter throughput rows; latency, time and memory rows are lower-is-better
 */
public record Row(
    String section,
    String name,
    String unit,
    boolean higherIsBetter,
    double[] raw,
    double[] agentmq) {

  static Row of(
      String section,
      String name,
      String unit,
      boolean higherIsBetter,
      List<Double> raw,
      List<Double> agentmq) {
    return new Row(
        section,
        name,
        unit,
        higherIsBetter,
        raw.stream().mapToDouble(Double::doubleValue).toArray(),
        agentmq.stream().mapToDouble(Double::doubleValue).toArray());
  }

  public boolean hasRaw() {
    return raw.length > 0;
  }

  public double rawMedian() {
    return median(raw);
  }

  public double agentmqMedian() {
    return median(agentmq);
  }

  /** AgentMQ's median over the raw client's: above 1 is faster for throughput, slower for time. */
  public double ratio() {
    return agentmqMedian() / rawMedian();
  }

  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static String spread(double[] values) {
    if (values.length == 0) {
      return "";
    }
    return format(Arrays.stream(values).min().orElseThrow())
        + "–"
        + format(Arrays.stream(values).max().orElseThrow());
  }

  /** Three significant digits at most, thousands separated. */
  static String format(double v) {
    if (Double.isNaN(v)) {
      return "—";
    }
    double abs = Math.abs(v);
    String pattern = abs >= 100 ? "%,.0f" : abs >= 10 ? "%,.1f" : abs >= 1 ? "%,.2f" : "%,.3f";
    return String.format(Locale.ROOT, pattern, v);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "%-10s %-58s raw %12s  AgentMQ %12s %-9s  ratio %s",
        section,
        name,
        hasRaw() ? format(rawMedian()) : "—",
        format(agentmqMedian()),
        unit,
        hasRaw() ? String.format(Locale.ROOT, "%.2f", ratio()) : "—");
  }
}
