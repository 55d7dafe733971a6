package io.agentmq.agents;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.ComplexityLevel;
import io.agentmq.proto.v1.FileDelta;
import io.agentmq.proto.v1.Plan;
import io.agentmq.proto.v1.PlanStep;
import io.agentmq.proto.v1.StepKind;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReferencePlannersTest {
  private final ReferenceRequestPlanner requestPlanner = new ReferenceRequestPlanner();
  private final ReferenceCodePlanner codePlanner = new ReferenceCodePlanner();

  private static ChangeRequest request() {
    return ChangeRequest.newBuilder()
        .setId("r1")
        .setRepo("/repo")
        .setBranch("b")
        .setDescriptionMd(
            "# Health\n\nSome context.\n\n"
                + "- add `src/Health.java`\n"
                + "* document it in docs/api.md\n"
                + "3. test the endpoint\n")
        .addFileDeltas(TestRepository.add("src/Health.java", "class Health {}\n"))
        .addFileDeltas(TestRepository.add("docs/api.md", "# API\n"))
        .addFileDeltas(TestRepository.add("test/HealthTest.java", "class HealthTest {}\n"))
        .build();
  }

  @Test
  @DisplayName(
      "plans one step per markdown list item, each after the one before, with the paths it names")
  void stepsFromListItems() {
    Plan plan = requestPlanner.plan(request());

    assertThat(plan.getId()).isEqualTo("plan-r1");
    assertThat(plan.getStepsList())
        .extracting(PlanStep::getDescription)
        .containsExactly(
            "add `src/Health.java`", "document it in docs/api.md", "test the endpoint");
    assertThat(plan.getStepsList())
        .extracting(PlanStep::getKind)
        .containsExactly(
            StepKind.STEP_KIND_ADD, StepKind.STEP_KIND_DOCUMENT, StepKind.STEP_KIND_TEST);
    assertThat(plan.getSteps(0).getPathsList()).containsExactly("src/Health.java");
    assertThat(plan.getSteps(1).getPathsList()).containsExactly("docs/api.md");
    // The delta no step names goes to the first step naming no path.
    assertThat(plan.getSteps(2).getPathsList()).containsExactly("test/HealthTest.java");
    assertThat(plan.getSteps(0).getDependsOnList()).isEmpty();
    assertThat(plan.getSteps(2).getDependsOnList()).containsExactly("s2");
    assertThat(plan.getAffectedPathsList())
        .containsExactlyInAnyOrder("src/Health.java", "docs/api.md", "test/HealthTest.java");
    assertThat(plan.getComplexity()).isEqualTo(ComplexityLevel.COMPLEXITY_LEVEL_MEDIUM);
    assertThat(plan.getRationale()).contains("3 step(s)", "3 path(s)");
    assertThat(plan.getRepo()).isEqualTo("/repo");
    assertThat(plan.getFileDeltasCount()).isEqualTo(3);
  }

  @Test
  @DisplayName(
      "plans a request without list items as one step named by its title, and the same request the same way twice")
  void singleStepAndDeterministic() {
    ChangeRequest request =
        ChangeRequest.newBuilder()
            .setId("r2")
            .setDescriptionMd("## Fix the typo\nin the readme")
            .build();
    Plan plan = requestPlanner.plan(request);
    assertThat(plan.getStepsList())
        .extracting(PlanStep::getDescription)
        .containsExactly("Fix the typo");
    assertThat(plan.getComplexity()).isEqualTo(ComplexityLevel.COMPLEXITY_LEVEL_TRIVIAL);
    assertThat(requestPlanner.plan(request)).isEqualTo(plan);
  }

  @Test
  @DisplayName(
      "makes one task per step with its paths, its dependencies and each patch exactly once")
  void tasksFromPlan() {
    Plan plan =
        requestPlanner.plan(
            request().toBuilder()
                .setDescriptionMd(
                    "- add `src/Health.java`\n- wire `src/Health.java` into the router")
                .build());
    List<CodingTask> tasks = codePlanner.tasks(plan);

    assertThat(tasks).extracting(CodingTask::getId).containsExactly("r1/s1", "r1/s2");
    assertThat(tasks.get(1).getDependenciesList()).containsExactly("r1/s1");
    assertThat(tasks)
        .allSatisfy(
            t -> {
              assertThat(t.getRepo()).isEqualTo("/repo");
              assertThat(t.getBranch()).isEqualTo("b");
              assertThat(t.getRequestId()).isEqualTo("r1");
            });
    // Both steps name src/Health.java; its patch goes to the first only.
    assertThat(tasks.get(0).getSkeletonPatchesList())
        .extracting(FileDelta::getPath)
        .contains("src/Health.java");
    assertThat(tasks.get(1).getSkeletonPatchesList())
        .extracting(FileDelta::getPath)
        .doesNotContain("src/Health.java");
    long patches = tasks.stream().mapToLong(CodingTask::getSkeletonPatchesCount).sum();
    assertThat(patches).isEqualTo(3);
  }
}
