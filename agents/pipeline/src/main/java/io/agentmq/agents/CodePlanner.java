package io.agentmq.agents;

import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.Plan;
import java.util.List;

/**
 * Splits a plan into coding tasks, in the order they must be applied. The runtime publishes them on
 * {@code coding.task.in} keyed by the request id, so one request's tasks are handled in order.
 * Replace it by binding another implementation in Guice.
 */
public interface CodePlanner {
  List<CodingTask> tasks(Plan plan) throws Exception;
}
