package io.agentmq.agents;

import io.agentmq.proto.v1.BuildReport;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.Plan;
import java.util.concurrent.CompletableFuture;

/**
 * Submits change requests and follows them to the end: a request is complete when every task of its
 * plan has a commit and a build report (inside the commit result, or on its own), failed at the
 * first failed task or build, timed out when results are missing after {@code
 * agents.orchestrator.request_timeout_ms}. Thread-safe; the runtime calls the {@code on*} methods
 * from its consumers. Replace it by binding another implementation in Guice.
 */
public interface Orchestrator extends AutoCloseable {
  /**
   * Publishes {@code request} on {@code plan.in} with a new trace (a request without an id gets
   * one). The future completes with the outcome; it fails only if the request could not be sent.
   */
  CompletableFuture<RequestOutcome> submit(ChangeRequest request);

  /** A plan from {@code plan.out}: how many tasks the request has. */
  void onPlan(Plan plan);

  /**
   * A task's result from {@code commit.out}: its commit, and its build when the result carries one
   * ({@code CommitResult.build}, as the coding agent sends it).
   */
  void onCommit(CommitResult commit);

  /**
   * A build report published as a message of its own on {@code commit.out}, as coding agents before
   * 0.2 sent it beside their {@code CommitResult}.
   */
  void onBuild(BuildReport build);

  /** Stops the timeout timer; outstanding requests stay incomplete. Idempotent. */
  @Override
  void close();
}
