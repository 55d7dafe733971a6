package io.agentmq.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.agents.DemoRepository;
import io.agentmq.agents.PipelineTopics;
import io.agentmq.agents.RequestOutcome;
import io.agentmq.kafka.KafkaTestBroker;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.tck.TestServices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The raw pipeline relays on real brokers: every change request submitted comes back completed,
 * with one commit and one build per task of its plan, and no result reaches the orchestrator twice.
 */
class RawPipelineTest {
  private static final int REQUESTS = 12;

  /** Each load request is planned into two steps, so two tasks. */
  private static final int TASKS_PER_REQUEST = 2;

  @Test
  @DisplayName("on kafka-clients, every request completes and each commit reaches commit.out once")
  void kafkaRelayCompletesEveryRequestOnce() throws Exception {
    completesEveryRequestOnce(RawKafkaPipeline.on(KafkaTestBroker.bootstrapServers()), "kafka");
  }

  @Test
  @DisplayName("on amqp-client, every request completes and each commit reaches commit.out once")
  void amqpRelayCompletesEveryRequestOnce() throws Exception {
    completesEveryRequestOnce(RawAmqpPipeline.on(TestServices.amqpUrl()), "amqp");
  }

  private static void completesEveryRequestOnce(RawPipeline.Factory factory, String name)
      throws Exception {
    PipelineTopics topics =
        new PipelineTopics("rawtest-" + name + "-" + ProcessHandle.current().pid() + ".");
    Path repo = Path.of("/nonexistent/raw-pipeline-test");
    try (RawPipeline pipeline = factory.start(topics, Duration.ofSeconds(60), 2)) {
      List<CompletableFuture<RequestOutcome>> submitted = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        submitted.add(
            pipeline
                .orchestrator()
                .submit(DemoRepository.loadRequest(repo, "agentmq/raw-test", i)));
      }
      List<RequestOutcome> outcomes = new ArrayList<>();
      for (CompletableFuture<RequestOutcome> f : submitted) {
        outcomes.add(f.get(90, TimeUnit.SECONDS));
      }

      assertThat(outcomes)
          .allSatisfy(
              o -> {
                assertThat(o.status())
                    .as(o.error().orElse(""))
                    .isEqualTo(RequestOutcome.Status.COMPLETED);
                assertThat(o.commits())
                    .extracting(CommitResult::getTaskId)
                    .doesNotHaveDuplicates()
                    .hasSize(TASKS_PER_REQUEST);
                assertThat(o.builds()).hasSize(TASKS_PER_REQUEST);
              });
      assertThat(outcomes).extracting(RequestOutcome::requestId).doesNotHaveDuplicates();
      // Late duplicates would arrive after the outcomes: the counts must hold for a while.
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(pipeline.commitsReceived())
                    .isEqualTo((long) REQUESTS * TASKS_PER_REQUEST);
                assertThat(pipeline.duplicates()).isZero();
              });
    }
  }
}
