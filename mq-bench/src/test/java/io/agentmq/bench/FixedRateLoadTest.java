package io.agentmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.agents.CodingAgent;
import io.agentmq.agents.DemoRepository;
import io.agentmq.agents.DryRunCodingAgent;
import io.agentmq.agents.Orchestrator;
import io.agentmq.agents.Pipeline;
import io.agentmq.agents.RequestOutcome;
import io.agentmq.api.MqConfig;
import io.agentmq.proto.v1.BuildReport;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.Plan;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The open-loop pipeline load: every request scheduled at the rate completes through the real
 * pipeline, latency is timed from the scheduled send (a late sender counts against it), and the
 * pipeline-rate rows come out with positive figures.
 */
class FixedRateLoadTest {

  @Test
  @DisplayName(
      "at 100 requests/s for 1 s on the memory pipeline, every scheduled request completes")
  void everyScheduledRequestCompletesOnTheMemoryPipeline(@TempDir Path repo) throws Exception {
    MqConfig config =
        AgentsConfig.withReaders(
            AgentsConfig.register(MqConfig.builder())
                .brokerType("memory")
                .set("agents.topic_prefix", "ratetest.")
                .set("agents.coding.repos", repo.toString()));
    FixedRateLoad.Result result;
    try (Pipeline pipeline =
        Pipeline.create(
                config,
                List.of("all"),
                Pipeline.binding(CodingAgent.class, new DryRunCodingAgent()))
            .start()) {
      result =
          FixedRateLoad.run(
              pipeline.orchestrator().orElseThrow(),
              i -> DemoRepository.loadRequest(repo, "agentmq/rate-test", i),
              100,
              Duration.ofMillis(200),
              Duration.ofSeconds(1));
    }

    assertThat(result.scheduled()).isEqualTo(100);
    assertThat(result.completed()).isEqualTo(result.scheduled());
    assertThat(result.failed()).isZero();
    assertThat(result.latency().getTotalCount()).isEqualTo(result.scheduled());
    assertThat(result.percentileMillis(50)).isPositive();
    assertThat(result.percentileMillis(99)).isGreaterThanOrEqualTo(result.percentileMillis(50));
    // The offered rate when the pipeline keeps up; never more.
    assertThat(result.completionRate()).isBetween(50.0, 100.0);
  }

  @Test
  @DisplayName("a sender held up 300 ms counts the wait in the latency of the requests it delayed")
  void latencyRunsFromTheScheduledSendNotTheActualOne() throws Exception {
    // Answers at once, but the first submission holds the sending thread 300 ms: the ~30 requests
    // due meanwhile go out late, and their latency must show it.
    AtomicBoolean first = new AtomicBoolean(true);
    Orchestrator immediate =
        new Orchestrator() {
          @Override
          public CompletableFuture<RequestOutcome> submit(ChangeRequest request) {
            if (first.getAndSet(false)) {
              try {
                Thread.sleep(300);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return CompletableFuture.completedFuture(
                new RequestOutcome(
                    request.getId(),
                    RequestOutcome.Status.COMPLETED,
                    "",
                    List.of(),
                    List.of(),
                    Optional.empty(),
                    Duration.ZERO));
          }

          @Override
          public void onPlan(Plan plan) {}

          @Override
          public void onCommit(CommitResult commit) {}

          @Override
          public void onBuild(BuildReport build) {}

          @Override
          public void close() {}
        };

    FixedRateLoad.Result result =
        FixedRateLoad.run(
            immediate,
            i -> ChangeRequest.newBuilder().setId("r" + i).build(),
            100,
            Duration.ZERO,
            Duration.ofSeconds(1));

    assertThat(result.completed()).isEqualTo(100);
    // The first request waited the whole 300 ms, the next ones a little less each.
    assertThat(result.latency().getMaxValue() / 1000.0).isGreaterThanOrEqualTo(290.0);
    assertThat(result.percentileMillis(99)).isGreaterThanOrEqualTo(250.0);
    // Once caught up, requests answer at once.
    assertThat(result.percentileMillis(50)).isLessThan(50.0);
  }

  @Test
  @DisplayName("the pipeline-rate rows of the memory backend have p50, p99 and completion figures")
  void fixedRateRowsHavePositiveFigures() throws Exception {
    PipelineBench bench =
        new PipelineBench(
            List.of(
                new PipelineBench.Backend("memory", b -> b.brokerType("memory"), Optional.empty())),
            0,
            0,
            0,
            1);

    List<Row> rows = bench.runFixedRate(100, Duration.ofSeconds(1));

    assertThat(rows)
        .extracting(Row::name)
        .containsExactly(
            "memory, coding agent without git, 100 requests/s for 1 s: p50",
            "memory, coding agent without git, 100 requests/s for 1 s: p99",
            "memory, coding agent without git, 100 requests/s for 1 s: completed");
    assertThat(rows).allSatisfy(r -> assertThat(r.section()).isEqualTo("pipeline-rate"));
    for (Row row : rows) {
      assertThat(row.agentmq()).as(row.name()).hasSize(1);
      assertThat(Arrays.stream(row.agentmq()).allMatch(v -> v > 0 && Double.isFinite(v)))
          .as(row.name())
          .isTrue();
      assertThat(row.raw()).as(row.name() + ": memory has no raw relay").isEmpty();
    }
    assertThat(rows.get(2).agentmqMedian()).as("completed req/s").isBetween(50.0, 100.0);
  }
}
