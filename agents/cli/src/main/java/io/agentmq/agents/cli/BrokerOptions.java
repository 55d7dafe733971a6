package io.agentmq.agents.cli;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.api.MqConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every command that talks to a broker shares. */
final class BrokerOptions {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "YAML or JSON configuration file (default: $MQ_CONFIG)")
  Path file;

  @Option(
      names = {"-b", "--broker"},
      paramLabel = "TYPE",
      description = "backend: memory, kafka or amqp (default: $MQ_BROKER_TYPE, else memory)")
  String broker;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "any configuration key, e.g. --set kafka.bootstrap_servers=host:9092")
  Map<String, String> overrides = new LinkedHashMap<>();

  /**
   * The configuration: defaults < file < environment < these options, with the pipeline's section
   * and its topics' readers declared up front (unless a topic declares its own groups).
   */
  MqConfig config() {
    return config(Map.of());
  }

  /** As {@link #config()}, with {@code extra} settings of the command's own on top. */
  MqConfig config(Map<String, String> extra) {
    MqConfig.Builder b = AgentsConfig.register(MqConfig.builder()).environment(System.getenv());
    if (file != null) {
      b.file(file);
    }
    if (broker != null) {
      b.brokerType(broker);
    }
    overrides.forEach(b::set);
    extra.forEach(b::set);
    return AgentsConfig.withReaders(b);
  }
}
