package io.agentmq.agents;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.proto.v1.BuildReport;
import io.agentmq.proto.v1.BuildStatus;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.Plan;
import io.agentmq.proto.v1.PlanStep;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The reference orchestrator's counting of a request's results, fed directly as its consumers
 * would, on a memory queue: one result per task (a CommitResult carrying its BuildReport) and the
 * results of coding agents before 0.2 (a CommitResult and a BuildReport of their own).
 */
class RequestTrackerTest {
  private MessageQueue queue;
  private RequestTracker tracker;

  @BeforeEach
  void start() {
    MqConfig config =
        AgentsConfig.withReaders(AgentsConfig.register(MqConfig.builder()).brokerType("memory"));
    queue = MessageQueue.create(config);
    tracker = new RequestTracker(queue, PipelineSchemas.codec(), AgentsConfig.of(config));
  }

  @AfterEach
  void stop() {
    tracker.close();
    queue.close();
  }

  @Test
  @DisplayName("a request completes when each task's one result carries its build")
  void oneResultPerTask() throws Exception {
    CompletableFuture<RequestOutcome> outcome = submitWithTwoTasks("r1");

    tracker.onCommit(commit("r1", "r1/s1").setBuild(build("r1", "r1/s1")).build());
    assertThat(outcome).isNotDone();
    tracker.onCommit(commit("r1", "r1/s2").setBuild(build("r1", "r1/s2")).build());

    RequestOutcome done = outcome.get(5, TimeUnit.SECONDS);
    assertThat(done.status()).isEqualTo(RequestOutcome.Status.COMPLETED);
    assertThat(done.builds()).extracting(BuildReport::getTaskId).containsExactly("r1/s1", "r1/s2");
  }

  @Test
  @DisplayName("a request completes from a commit and a separate build report per task, as before")
  void separateBuildReports() throws Exception {
    CompletableFuture<RequestOutcome> outcome = submitWithTwoTasks("r2");

    tracker.onCommit(commit("r2", "r2/s1").build());
    tracker.onCommit(commit("r2", "r2/s2").build());
    tracker.onBuild(build("r2", "r2/s1"));
    assertThat(outcome).as("one task has no build yet").isNotDone();
    tracker.onBuild(build("r2", "r2/s2"));

    assertThat(outcome.get(5, TimeUnit.SECONDS).status())
        .isEqualTo(RequestOutcome.Status.COMPLETED);
  }

  @Test
  @DisplayName("a failed build inside a task's result fails the request and names the task")
  void failedBuildInsideTheResult() throws Exception {
    CompletableFuture<RequestOutcome> outcome = submitWithTwoTasks("r3");

    tracker.onCommit(
        commit("r3", "r3/s1")
            .setBuild(
                build("r3", "r3/s1").toBuilder()
                    .setStatus(BuildStatus.BUILD_STATUS_FAILED)
                    .setLogExcerpt("1 test failed"))
            .build());

    RequestOutcome done = outcome.get(5, TimeUnit.SECONDS);
    assertThat(done.status()).isEqualTo(RequestOutcome.Status.FAILED);
    assertThat(done.error())
        .hasValueSatisfying(e -> assertThat(e).contains("r3/s1", "1 test failed"));
  }

  /** Submits request {@code id} and hands the tracker its plan of two steps. */
  private CompletableFuture<RequestOutcome> submitWithTwoTasks(String id) {
    CompletableFuture<RequestOutcome> outcome =
        tracker.submit(ChangeRequest.newBuilder().setId(id).build());
    tracker.onPlan(
        Plan.newBuilder()
            .setRequestId(id)
            .addSteps(PlanStep.newBuilder().setId("s1"))
            .addSteps(PlanStep.newBuilder().setId("s2"))
            .build());
    return outcome;
  }

  private static CommitResult.Builder commit(String request, String task) {
    return CommitResult.newBuilder()
        .setRequestId(request)
        .setTaskId(task)
        .setStatus(CommitResult.Status.STATUS_COMMITTED);
  }

  private static BuildReport build(String request, String task) {
    return BuildReport.newBuilder()
        .setRequestId(request)
        .setTaskId(task)
        .setStatus(BuildStatus.BUILD_STATUS_SKIPPED)
        .build();
  }
}
