package io.agentmq.spi;

import io.agentmq.api.ConfigException;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that picks a backend: by {@link MqConfig#brokerType()}, among the providers on the
 * class path. There is no fallback: an unknown name fails.
 */
public final class MessageQueueProviders {
  private static final Logger log = LoggerFactory.getLogger(MessageQueueProviders.class);

  /** Artifacts that hold AgentMQ's own backends, for the "add this dependency" hint. */
  private static final Map<String, String> ARTIFACTS =
      Map.of(
          "memory", "io.agentmq:mq-memory",
          "kafka", "io.agentmq:mq-kafka",
          "amqp", "io.agentmq:mq-amqp");

  private MessageQueueProviders() {}

  /** Installed providers by name. */
  public static Map<String, MessageQueueProvider> installed() {
    Map<String, MessageQueueProvider> byName = new TreeMap<>();
    List<String> duplicates = new ArrayList<>();
    for (MessageQueueProvider provider :
        ServiceLoader.load(MessageQueueProvider.class, classLoader())) {
      MessageQueueProvider previous = byName.putIfAbsent(provider.name(), provider);
      if (previous != null && previous.getClass() != provider.getClass()) {
        duplicates.add(
            "'"
                + provider.name()
                + "' is provided by both "
                + previous.getClass().getName()
                + " and "
                + provider.getClass().getName());
      }
    }
    if (!duplicates.isEmpty()) {
      throw new ConfigException(
          duplicates.stream()
              .map(d -> d + "; keep one backend artifact per name on the class path")
              .collect(Collectors.toList()));
    }
    return byName;
  }

  /**
   * The provider named {@code name}.
   *
   * @throws ConfigException naming the installed providers and the artifact to add
   */
  public static MessageQueueProvider find(String name, String source) {
    Map<String, MessageQueueProvider> installed = installed();
    MessageQueueProvider provider = installed.get(name);
    if (provider != null) {
      return provider;
    }
    String hint =
        ARTIFACTS.containsKey(name)
            ? "add the dependency " + ARTIFACTS.get(name) + " to use it"
            : "AgentMQ's backends are "
                + String.join(", ", new TreeMap<>(ARTIFACTS).keySet())
                + " (artifacts "
                + String.join(", ", new TreeMap<>(ARTIFACTS).values())
                + ")";
    throw new ConfigException(
        "no AgentMQ backend named '"
            + name
            + "' is installed (broker_type from "
            + source
            + "); installed: "
            + (installed.isEmpty() ? "none" : String.join(", ", installed.keySet()))
            + "; "
            + hint);
  }

  /** Opens a queue on the backend named by {@code config.brokerType()}. */
  public static MessageQueue open(MqConfig config) {
    MessageQueueProvider provider =
        find(config.brokerType(), config.sourceOf(MqConfig.BROKER_TYPE));
    log.info(
        "Opening AgentMQ backend '{}' (broker_type from {})",
        provider.name(),
        config.sourceOf(MqConfig.BROKER_TYPE));
    return provider.create(config);
  }

  private static ClassLoader classLoader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : MessageQueueProviders.class.getClassLoader();
  }
}
