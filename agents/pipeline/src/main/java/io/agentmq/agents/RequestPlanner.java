package io.agentmq.agents;

import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.Plan;

/**
 * Turns a change request into a plan: its steps, the paths they touch, how complex it is. The
 * runtime publishes the plan on {@code code.plan.in} and {@code plan.out} with the request's trace
 * and metadata. Replace it by binding another implementation in Guice.
 */
public interface RequestPlanner {
  /**
   * @throws io.agentmq.api.NonRetryableException for a request that can never be planned (it is
   *     dead-lettered); any other exception is retried
   */
  Plan plan(ChangeRequest request) throws Exception;
}
