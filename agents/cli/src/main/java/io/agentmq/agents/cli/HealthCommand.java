package io.agentmq.agents.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmq.api.Health;
import io.agentmq.api.MessageQueue;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Connects to the configured broker and prints its health. */
@Command(
    name = "health",
    mixinStandardHelpOptions = true,
    description = {
      "Connects to the configured broker and prints its health as JSON.",
      "Exit code: 0 up, 1 down, 2 unreachable or misconfigured."
    })
final class HealthCommand implements Callable<Integer> {
  @Mixin BrokerOptions broker;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    try (MessageQueue queue = MessageQueue.create(broker.config())) {
      Health health = queue.health();
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("backend", queue.backend());
      body.put("status", health.status().toString());
      body.put("details", health.details());
      spec.commandLine()
          .getOut()
          .println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(body));
      spec.commandLine().getOut().flush();
      return health.isUp() ? 0 : 1;
    }
  }
}
