package io.agentmq.agents;

import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.FileDelta;
import io.agentmq.proto.v1.Plan;
import io.agentmq.proto.v1.PlanStep;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One task per plan step: the step's paths, the tasks of the steps it depends on, and the request's
 * file deltas for its paths (each delta in the first task naming its path, so no patch is applied
 * twice). Task ids are {@code <request id>/<step id>}: the same plan gives the same tasks.
 */
public final class ReferenceCodePlanner implements CodePlanner {
  @Override
  public List<CodingTask> tasks(Plan plan) {
    List<CodingTask> tasks = new ArrayList<>(plan.getStepsCount());
    Set<Integer> assigned = new HashSet<>();
    for (PlanStep step : plan.getStepsList()) {
      CodingTask.Builder task =
          CodingTask.newBuilder()
              .setId(taskId(plan, step.getId()))
              .setPlanId(plan.getId())
              .setRequestId(plan.getRequestId())
              .setStepId(step.getId())
              .setGoal(step.getDescription())
              .setRepo(plan.getRepo())
              .setBranch(plan.getBranch())
              .addAllPaths(step.getPathsList());
      step.getDependsOnList().forEach(d -> task.addDependencies(taskId(plan, d)));
      List<FileDelta> deltas = plan.getFileDeltasList();
      for (int i = 0; i < deltas.size(); i++) {
        if (step.getPathsList().contains(deltas.get(i).getPath()) && assigned.add(i)) {
          task.addSkeletonPatches(deltas.get(i));
        }
      }
      tasks.add(task.build());
    }
    return tasks;
  }

  private static String taskId(Plan plan, String stepId) {
    return plan.getRequestId() + "/" + stepId;
  }
}
