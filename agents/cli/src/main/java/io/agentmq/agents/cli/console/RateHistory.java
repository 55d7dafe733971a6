package io.agentmq.agents.cli.console;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Per-second rates of named series over the last minutes, turned from cumulative counts sampled at
 * a fixed interval into rings of fixed size. Thread-safe.
 */
final class RateHistory {
  private final int capacity;
  private final Map<String, double[]> rings = new HashMap<>();
  private final Map<String, Double> lastTotals = new HashMap<>();
  private long lastNanos;
  private int next;
  private int filled;

  /** A history of {@code capacity} samples per series. */
  RateHistory(int capacity) {
    if (capacity < 2) {
      throw new IllegalArgumentException("a rate history needs 2 samples or more, was " + capacity);
    }
    this.capacity = capacity;
  }

  /** The series of deliveries of {@code topic} settled by every group. */
  static String handled(String topic) {
    return "handled\u0000" + topic;
  }

  /** The series of deliveries of {@code topic} settled by {@code group}. */
  static String handled(String topic, String group) {
    return "handled\u0000" + topic + "\u0000" + group;
  }

  /** The series of messages sent to {@code topic} that the broker stored. */
  static String sent(String topic) {
    return "sent\u0000" + topic;
  }

  /**
   * Records the cumulative {@code totals} read at {@code nanos} (of {@link System#nanoTime()}):
   * each series' rate is its growth since the previous sample per second (a series absent from the
   * previous sample grew from zero); the first sample, and a series whose count went down (its
   * meter was replaced), count as zero.
   */
  synchronized void record(long nanos, Map<String, Double> totals) {
    boolean first = lastNanos == 0;
    double seconds = first ? 0 : (nanos - lastNanos) / 1e9;
    for (Map.Entry<String, Double> e : totals.entrySet()) {
      double[] ring = rings.computeIfAbsent(e.getKey(), k -> new double[capacity]);
      // A series first seen after the first sample had no meter before: all its counts are new.
      Double before = lastTotals.getOrDefault(e.getKey(), 0.0);
      double growth = e.getValue() - before;
      ring[next] = seconds <= 0 || growth < 0 ? 0 : growth / seconds;
    }
    for (Map.Entry<String, double[]> e : rings.entrySet()) {
      if (!totals.containsKey(e.getKey())) {
        e.getValue()[next] = 0;
      }
    }
    lastTotals.clear();
    lastTotals.putAll(totals);
    lastNanos = nanos;
    next = (next + 1) % capacity;
    filled = Math.min(capacity, filled + 1);
  }

  /** The rates of {@code series}, oldest first, one per sample taken (at most the capacity). */
  synchronized double[] rates(String series) {
    double[] ring = rings.get(series);
    double[] out = new double[filled];
    if (ring != null) {
      for (int i = 0; i < filled; i++) {
        out[i] = ring[Math.floorMod(next - filled + i, capacity)];
      }
    }
    return out;
  }

  /** The mean rate of {@code series} over its last {@code samples} samples; zero before any. */
  synchronized double average(String series, int samples) {
    double[] ring = rings.get(series);
    int n = Math.min(samples, filled);
    if (ring == null || n == 0) {
      return 0;
    }
    double sum = 0;
    for (int i = 1; i <= n; i++) {
      sum += ring[Math.floorMod(next - i, capacity)];
    }
    return sum / n;
  }

  /** The sum, sample by sample, of the series whose names start with {@code prefix}. */
  synchronized double[] sum(String prefix) {
    double[] out = new double[filled];
    for (String name : rings.keySet()) {
      if (name.startsWith(prefix) && name.indexOf('\u0000', prefix.length()) < 0) {
        double[] r = rates(name);
        for (int i = 0; i < out.length; i++) {
          out[i] += r[i];
        }
      }
    }
    return out;
  }

  /** The topics some series was recorded for. */
  synchronized Set<String> topics() {
    Set<String> topics = new TreeSet<>();
    for (String name : rings.keySet()) {
      String[] parts = name.split("\u0000", -1);
      topics.add(parts[1]);
    }
    return topics;
  }

  /** How many samples the history keeps. */
  int capacity() {
    return capacity;
  }
}
