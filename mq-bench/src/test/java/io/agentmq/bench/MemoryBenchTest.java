package io.agentmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Keeps the harness from rotting: a tiny run must produce a figure per round (speed unchecked). */
class MemoryBenchTest {

  @Test
  @DisplayName("produces a positive throughput for every raw and AgentMQ round in quick mode")
  void quickRunProducesNumbers() throws Exception {
    MemoryBench.Result result = MemoryBench.run(2_000, 2);

    assertThat(result.raw()).hasSize(2);
    assertThat(result.agentmq()).hasSize(2);
    for (double v : result.raw()) {
      assertThat(v).isPositive().isFinite();
    }
    for (double v : result.agentmq()) {
      assertThat(v).isPositive().isFinite();
    }
  }
}
