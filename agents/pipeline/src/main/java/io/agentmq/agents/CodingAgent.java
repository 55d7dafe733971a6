package io.agentmq.agents;

import io.agentmq.proto.v1.BuildReport;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.CommitResult;

/**
 * Carries out a coding task: applies its patches, commits, builds. A task that cannot be done (a
 * patch that does not apply, a repository that is not there) is a failed {@link CommitResult} with
 * the reason, not an exception; exceptions are for trouble worth retrying. Replace it by binding
 * another implementation in Guice.
 */
public interface CodingAgent {
  Outcome apply(CodingTask task) throws Exception;

  /**
   * The commit and the build after it, published on {@code commit.out} as one message: {@link
   * #result()}.
   */
  record Outcome(CommitResult commit, BuildReport build) {
    /** The commit result carrying its build ({@code CommitResult.build}): the task's one result. */
    public CommitResult result() {
      return commit.toBuilder().setBuild(build).build();
    }
  }
}
