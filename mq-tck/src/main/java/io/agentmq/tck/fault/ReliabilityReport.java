package io.agentmq.tck.fault;

import java.nio.file.Path;

/**
 * Where fault scenarios leave their counts: one tab-separated row per scenario and backend in
 * {@code target/reliability-rows.tsv} of the module under test, which {@code scripts/reliability}
 * gathers into {@code docs/reliability.md}.
 */
public final class ReliabilityReport {
  static final Path ROWS = Path.of("target", "reliability-rows.tsv");

  private ReliabilityReport() {}

  /** Appends the row of a consumer-kill run. */
  public static void record(String backend, String scenario, ConsumerKillScenario.Result result) {
    record(backend, scenario, result.report(), Long.toString(result.slowestRecovery().toMillis()));
  }

  /** Appends the row of one scenario run; {@code recovery} as it should read in the table. */
  public static void record(String backend, String scenario, Ledger.Report r, String recovery) {
    record(
        backend,
        scenario,
        Integer.toString(r.acknowledged()),
        Integer.toString(r.consumed()),
        Integer.toString(r.deliveries()),
        Integer.toString(r.lost().size()),
        Long.toString(r.duplicates()),
        Long.toString(r.reordered()),
        recovery);
  }

  /**
   * Appends a row as written: backend, scenario, acknowledged, consumed, deliveries, lost,
   * duplicated, reordered, recovery (a scenario counting requests rather than messages says so).
   */
  public static void record(String... columns) {
    Ledger.append(ROWS, String.join("\t", columns) + "\n");
  }
}
