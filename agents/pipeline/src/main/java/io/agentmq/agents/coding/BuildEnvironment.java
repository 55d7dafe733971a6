package io.agentmq.agents.coding;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The environment a build runs with: only the variables of the agent's own environment named by an
 * allow-list ({@link #ALWAYS} and {@code agents.coding.build_env}), so that a build, whose files a
 * task writes, never sees the agent's broker URL, passwords or tokens unless the operator passes
 * one on purpose. Immutable.
 */
final class BuildEnvironment {
  /** The variables every build gets, when the agent has them. */
  static final List<String> ALWAYS = List.of("PATH", "HOME", "LANG", "JAVA_HOME", "TMPDIR");

  private final Map<String, String> variables;

  private BuildEnvironment(Map<String, String> variables) {
    this.variables = Map.copyOf(variables);
  }

  /**
   * The variables of {@code parent} (the agent's environment) that {@link #ALWAYS} or {@code extra}
   * name.
   */
  static BuildEnvironment of(Map<String, String> parent, List<String> extra) {
    Set<String> names = new LinkedHashSet<>(ALWAYS);
    names.addAll(extra);
    Map<String, String> variables = new TreeMap<>();
    for (String name : names) {
      String value = parent.get(name);
      if (value != null) {
        variables.put(name, value);
      }
    }
    return new BuildEnvironment(variables);
  }

  /** Gives {@code builder}'s process these variables and no other. */
  ProcessBuilder applyTo(ProcessBuilder builder) {
    Map<String, String> environment = builder.environment();
    environment.clear();
    environment.putAll(variables);
    return builder;
  }

  /** The names only: values may be secrets the operator chose to pass. */
  @Override
  public String toString() {
    return "BuildEnvironment" + new TreeMap<>(variables).keySet();
  }
}
