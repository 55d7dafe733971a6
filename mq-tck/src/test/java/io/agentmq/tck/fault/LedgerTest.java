package io.agentmq.tck.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {
  @TempDir Path dir;

  @Test
  @DisplayName("counts lost, duplicated and reordered messages across consumer processes")
  void counts() throws Exception {
    Ledger ledger = new Ledger(dir);
    for (int i = 0; i < 4; i++) {
      ledger.sent("a" + i, "k", i);
    }
    ledger.sent("b0", "j", 0);
    // Process 0 handled a0, a1 and died; process 1 got a1 again (in flight), then a3 before a2.
    Ledger.append(ledger.consumedFile(0), "a0 k 0\na1 k 1\n");
    Ledger.append(ledger.consumedFile(1), "a1 k 1\na3 k 3\na2 k 2\n");

    Ledger.Report report = ledger.report();

    assertThat(report.acknowledged()).isEqualTo(5);
    assertThat(report.consumed()).isEqualTo(4);
    assertThat(report.deliveries()).isEqualTo(5);
    assertThat(report.lost()).containsExactly("b0");
    assertThat(report.duplicates()).isEqualTo(1);
    assertThat(report.reordered()).isEqualTo(1);
  }

  @Test
  @DisplayName("ignores the partial last line a killed process may leave")
  void partialLine() throws Exception {
    Ledger ledger = new Ledger(dir);
    ledger.sent("a0", "k", 0);
    Files.writeString(ledger.consumedFile(0), "a0 k 0\na1 k");

    assertThat(ledger.report().deliveries()).isEqualTo(1);
    assertThat(ledger.consumedIds()).containsExactly("a0");
  }

  @Test
  @DisplayName(
      "orders the handling of processes running side by side by when it happened, not by file")
  void ordersByTime() throws Exception {
    Ledger ledger = new Ledger(dir);
    ledger.sent("a0", "k", 0);
    ledger.sent("a1", "k", 1);
    ledger.sent("a2", "k", 2);
    // Process 0 handled a0 and, after process 1 had handled a1, a2 — in order, across files.
    Ledger.append(ledger.consumedFile(0), "a0 k 0 1700000000000001\na2 k 2 1700000000000003\n");
    Ledger.append(ledger.consumedFile(1), "a1 k 1 1700000000000002\n");

    assertThat(ledger.report().reordered()).isZero();

    Ledger.append(ledger.consumedFile(1), "a0 k 0 17000000");
    assertThat(ledger.report().deliveries()).as("a truncated time is a partial line").isEqualTo(3);
  }
}
