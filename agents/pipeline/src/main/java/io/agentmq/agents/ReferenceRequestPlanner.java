package io.agentmq.agents;

import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.ComplexityLevel;
import io.agentmq.proto.v1.Plan;
import io.agentmq.proto.v1.PlanStep;
import io.agentmq.proto.v1.StepKind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deterministic planner: one step per markdown list item of the description (else one step), each
 * step after the one before it; the paths a step names, and every file delta's path, are the
 * affected paths (a delta no step names goes to the first step naming no path, else the last);
 * complexity grows with steps times paths. The same request always gives the same plan, ids
 * included, so a redelivered request yields the same tasks.
 */
public final class ReferenceRequestPlanner implements RequestPlanner {
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  private static final Pattern LIST_ITEM = Pattern.compile("^\\s*(?:[-*+]|\\d+[.)])\\s+(.+)$");

  /** A path named in text: in backticks, or with a directory and a file extension. */
  private static final Pattern PATH =
      Pattern.compile("`([^`\\s]+)`|(?<![\\w/.:-])((?:[\\w.-]+/)+[\\w.-]*\\.[A-Za-z0-9]{1,10})\\b");

  @Override
  public Plan plan(ChangeRequest request) {
    List<String> items = stepTexts(request);
    Set<String> deltaPaths = new LinkedHashSet<>();
    request.getFileDeltasList().forEach(d -> deltaPaths.add(d.getPath()));

    List<Set<String>> stepPaths = new ArrayList<>();
    Set<String> affected = new LinkedHashSet<>();
    for (String item : items) {
      Set<String> named = namedPaths(item, deltaPaths);
      stepPaths.add(named);
      affected.addAll(named);
    }
    Set<String> unclaimed = new LinkedHashSet<>(deltaPaths);
    unclaimed.removeAll(affected);
    if (!unclaimed.isEmpty()) {
      int target = stepPaths.size() - 1;
      for (int i = 0; i < stepPaths.size(); i++) {
        if (stepPaths.get(i).isEmpty()) {
          target = i;
          break;
        }
      }
      stepPaths.get(target).addAll(unclaimed);
      affected.addAll(unclaimed);
    }

    Plan.Builder plan =
        Plan.newBuilder()
            .setId("plan-" + request.getId())
            .setRequestId(request.getId())
            .setRepo(request.getRepo())
            .setBranch(request.getBranch())
            .addAllFileDeltas(request.getFileDeltasList())
            .addAllAffectedPaths(affected);
    for (int i = 0; i < items.size(); i++) {
      PlanStep.Builder step =
          PlanStep.newBuilder()
              .setId("s" + (i + 1))
              .setKind(kindOf(items.get(i)))
              .setDescription(items.get(i))
              .addAllPaths(stepPaths.get(i));
      if (i > 0) {
        step.addDependsOn("s" + i);
      }
      plan.addSteps(step);
    }
    int weight = items.size() * Math.max(1, affected.size());
    plan.setComplexity(complexity(weight));
    plan.setRationale(
        String.format(
            Locale.ROOT,
            "%d step(s) %s, touching %d path(s)%s; complexity from %d step(s) x %d path(s) = %d.",
            items.size(),
            items.size() > 1 || hasListItems(request) ? "from the request's list items" : "",
            affected.size(),
            affected.isEmpty() ? "" : " (" + String.join(", ", affected) + ")",
            items.size(),
            Math.max(1, affected.size()),
            weight));
    return plan.build();
  }

  private static List<String> stepTexts(ChangeRequest request) {
    List<String> items = new ArrayList<>();
    request
        .getDescriptionMd()
        .lines()
        .forEach(
            line -> {
              Matcher m = LIST_ITEM.matcher(line);
              if (m.matches()) {
                items.add(m.group(1).strip());
              }
            });
    if (!items.isEmpty()) {
      return items;
    }
    String title =
        request
            .getDescriptionMd()
            .lines()
            .map(l -> l.replaceFirst("^#+\\s*", "").strip())
            .filter(l -> !l.isEmpty())
            .findFirst()
            .orElse("");
    if (title.isEmpty()) {
      title = "apply " + request.getFileDeltasCount() + " file change(s)";
    }
    return List.of(title);
  }

  private static boolean hasListItems(ChangeRequest request) {
    return request.getDescriptionMd().lines().anyMatch(l -> LIST_ITEM.matcher(l).matches());
  }

  private static Set<String> namedPaths(String text, Set<String> deltaPaths) {
    Set<String> named = new LinkedHashSet<>();
    Matcher m = PATH.matcher(text);
    while (m.find()) {
      String path = m.group(1) != null ? m.group(1) : m.group(2);
      if (!path.contains("://") && (path.contains("/") || path.contains("."))) {
        named.add(path);
      }
    }
    for (String delta : deltaPaths) {
      if (text.contains(delta)) {
        named.add(delta);
      }
    }
    return named;
  }

  private static StepKind kindOf(String text) {
    String first = WHITESPACE.split(text.strip(), 2)[0].toLowerCase(Locale.ROOT);
    return switch (first) {
      case "add", "create", "introduce", "new" -> StepKind.STEP_KIND_ADD;
      case "remove", "delete", "drop" -> StepKind.STEP_KIND_DELETE;
      case "test", "tests", "cover", "verify" -> StepKind.STEP_KIND_TEST;
      case "document", "doc", "docs", "describe", "explain" -> StepKind.STEP_KIND_DOCUMENT;
      default -> StepKind.STEP_KIND_MODIFY;
    };
  }

  private static ComplexityLevel complexity(int weight) {
    if (weight <= 1) {
      return ComplexityLevel.COMPLEXITY_LEVEL_TRIVIAL;
    } else if (weight <= 4) {
      return ComplexityLevel.COMPLEXITY_LEVEL_LOW;
    } else if (weight <= 12) {
      return ComplexityLevel.COMPLEXITY_LEVEL_MEDIUM;
    }
    return ComplexityLevel.COMPLEXITY_LEVEL_HIGH;
  }
}
