package io.agentmq.serialization;

import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.agentmq.proto.AgentMqSchemas;
import io.agentmq.proto.v1.BuildReport;
import io.agentmq.proto.v1.BuildStatus;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.ComplexityLevel;
import io.agentmq.proto.v1.FileDelta;
import io.agentmq.proto.v1.Metadata;
import io.agentmq.proto.v1.Plan;
import io.agentmq.proto.v1.PlanStep;
import io.agentmq.proto.v1.StepKind;
import java.util.List;

/** A filled-in instance of every agentmq.v1 message type, every field set. */
public final class Samples {
  private Samples() {}

  /** The sample schemas' types: the {@code agentmq.v1} files, as an application would register. */
  static TypeRegistry registry() {
    return TypeRegistry.of(AgentMqSchemas.files());
  }

  static final Metadata METADATA =
      Metadata.newBuilder()
          .setTraceId("4bf92f3577b34da6a3ce929d0e0e4736")
          .setSpanId("00f067aa0ba902b7")
          .setParentSpanId("a3ce929d0e0e4736")
          .setCorrelationId("req-1")
          .putAttributes("tenant", "acme")
          .build();

  static final Timestamp NOW =
      Timestamp.newBuilder().setSeconds(1_790_000_000L).setNanos(5).build();

  public static ChangeRequest changeRequest() {
    return ChangeRequest.newBuilder()
        .setId("req-1")
        .setDescriptionMd("Add a health endpoint\n- add /health route\n- document it")
        .setRepo("file:///tmp/repo")
        .setBranch("feature/health")
        .addFileDeltas(
            FileDelta.newBuilder()
                .setPath("src/Health.java")
                .setOperation(FileDelta.Operation.OPERATION_ADD)
                .setNewContent("class Health {}\n"))
        .addFileDeltas(
            FileDelta.newBuilder()
                .setPath("README.md")
                .setOperation(FileDelta.Operation.OPERATION_MODIFY)
                .setUnifiedDiff("@@ -1 +1 @@\n-old\n+new\n"))
        .setRequestedBy("dev@example.com")
        .setCreatedAt(NOW)
        .setMetadata(METADATA)
        .build();
  }

  public static Plan plan() {
    return Plan.newBuilder()
        .setId("plan-1")
        .setRequestId("req-1")
        .addSteps(
            PlanStep.newBuilder()
                .setId("s1")
                .setKind(StepKind.STEP_KIND_ADD)
                .setDescription("add /health route")
                .addPaths("src/Health.java"))
        .addSteps(
            PlanStep.newBuilder()
                .setId("s2")
                .setKind(StepKind.STEP_KIND_DOCUMENT)
                .setDescription("document it")
                .addPaths("README.md")
                .addDependsOn("s1"))
        .setRationale("two steps from the request's list")
        .addAllAffectedPaths(List.of("src/Health.java", "README.md"))
        .setComplexity(ComplexityLevel.COMPLEXITY_LEVEL_LOW)
        .setCreatedAt(NOW)
        .setMetadata(METADATA)
        .build();
  }

  static CodingTask codingTask() {
    return CodingTask.newBuilder()
        .setId("task-1")
        .setPlanId("plan-1")
        .setRequestId("req-1")
        .setStepId("s1")
        .setGoal("add /health route")
        .addPaths("src/Health.java")
        .addDependencies("s0")
        .addSkeletonPatches(changeRequest().getFileDeltas(0))
        .setMetadata(METADATA)
        .build();
  }

  static BuildReport buildReport() {
    return BuildReport.newBuilder()
        .setId("build-1")
        .setTaskId("task-1")
        .setStatus(BuildStatus.BUILD_STATUS_SUCCEEDED)
        .setLogExcerpt("BUILD SUCCESS")
        .setTestsRun(12)
        .setTestsFailed(0)
        .setDuration(Duration.newBuilder().setSeconds(3).setNanos(250_000_000))
        .setMetadata(METADATA)
        .build();
  }

  static CommitResult commitResult() {
    return CommitResult.newBuilder()
        .setId("commit-1")
        .setTaskId("task-1")
        .setRequestId("req-1")
        .setCommitSha("0123456789abcdef0123456789abcdef01234567")
        .setBranch("feature/health")
        .addModifiedFiles("src/Health.java")
        .setStatus(CommitResult.Status.STATUS_COMMITTED)
        .setMetadata(METADATA)
        .build();
  }

  static List<Message> all() {
    return List.of(changeRequest(), plan(), codingTask(), buildReport(), commitResult());
  }
}
