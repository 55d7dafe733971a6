package io.agentmq.agents.coding;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.api.MqConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Coding agents for the tests, allowed to change one working copy, with settings of the test's. */
final class TestAgents {
  private TestAgents() {}

  /** The configuration allowing {@code repo}, with {@code settings} ({@code agents.*} keys). */
  static MqConfig config(Path repo, Map<String, String> settings) {
    MqConfig.Builder b =
        AgentsConfig.register(MqConfig.builder()).set("agents.coding.repos", repo.toString());
    settings.forEach(b::set);
    return b.build();
  }

  /** An agent that may change {@code repo}, with no build command. */
  static GitCodingAgent agent(Path repo) {
    return agent(repo, GitCodingAgent.OTHER_PROCESS_WAIT);
  }

  /** As {@link #agent(Path)}, waiting {@code otherProcessWait} for another process's lock. */
  static GitCodingAgent agent(Path repo, Duration otherProcessWait) {
    return agent(config(repo, Map.of()), System.getenv(), otherProcessWait);
  }

  /** An agent of {@code config}, whose process has {@code environment}. */
  static GitCodingAgent agent(
      MqConfig config, Map<String, String> environment, Duration otherProcessWait) {
    return new GitCodingAgent(AgentsConfig.of(config), config, environment, otherProcessWait);
  }
}
