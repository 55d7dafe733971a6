package io.agentmq.api;

import java.util.List;

/**
 * The configuration is invalid. The message names each bad key, where it came from, its value
 * (redacted for secrets) and what is accepted. Not retriable: fix the configuration.
 */
public class ConfigException extends MessagingException {
  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super("invalid AgentMQ configuration:\n  - " + String.join("\n  - ", problems), false, null);
    this.problems = List.copyOf(problems);
  }

  public ConfigException(String problem) {
    this(List.of(problem));
  }

  /** One line per problem. */
  public List<String> problems() {
    return problems;
  }
}
