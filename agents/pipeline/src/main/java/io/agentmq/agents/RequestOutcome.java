package io.agentmq.agents;

import io.agentmq.proto.v1.BuildReport;
import io.agentmq.proto.v1.CommitResult;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a change request ended.
 *
 * @param requestId the request's id
 * @param status completed, failed or timed out
 * @param traceId the trace every hop of the request shares
 * @param commits one result per task, in arrival order
 * @param builds one report per task, in arrival order
 * @param error why it failed or timed out; empty when completed
 * @param elapsed from submission to the outcome
 */
public record RequestOutcome(
    String requestId,
    Status status,
    String traceId,
    List<CommitResult> commits,
    List<BuildReport> builds,
    Optional<String> error,
    Duration elapsed) {

  public enum Status {
    COMPLETED,
    FAILED,
    TIMED_OUT
  }

  public boolean isCompleted() {
    return status == Status.COMPLETED;
  }
}
