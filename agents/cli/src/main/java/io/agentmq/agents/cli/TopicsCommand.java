package io.agentmq.agents.cli;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.api.Admin;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.TopicSpec;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Creates, lists, describes and deletes the pipeline's topics. */
@Command(
    name = "topics",
    mixinStandardHelpOptions = true,
    description =
        "Creates, lists, describes or deletes the pipeline's topics (plan.in, code.plan.in,"
            + " plan.out, coding.task.in, commit.out) and their dead-letter topics, with the"
            + " partitions, replication factor and retention of the configuration.")
final class TopicsCommand {
  @Spec CommandSpec spec;

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description =
          "Creates every pipeline topic and its dead-letter topic; existing ones are left as they are.")
  int create(@Mixin BrokerOptions broker) {
    MqConfig config = broker.config();
    try (MessageQueue queue = MessageQueue.create(config)) {
      Admin admin = queue.admin();
      for (String topic : AgentsConfig.of(config).topics().all()) {
        TopicSpec spec = config.topic(topic);
        boolean created = admin.createTopic(spec);
        out()
            .printf(
                "%-16s %s (%d partition(s), replication %s%s), dead letters in %s%n",
                topic,
                created ? "created" : "exists",
                spec.partitions(),
                spec.replicationFactor() == TopicSpec.BROKER_DEFAULT
                    ? "the broker's default"
                    : Integer.toString(spec.replicationFactor()),
                spec.retention().map(r -> ", retention " + r.toMillis() + " ms").orElse(""),
                DeadLetterPolicy.deadLetterTopic(topic));
      }
    }
    out().flush();
    return 0;
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists the topics on the broker.")
  int list(@Mixin BrokerOptions broker) {
    try (MessageQueue queue = MessageQueue.create(broker.config())) {
      queue.admin().listTopics().stream().sorted().forEach(out()::println);
    }
    out().flush();
    return 0;
  }

  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "Describes the named topics, or every pipeline topic.")
  int describe(
      @Mixin BrokerOptions broker,
      @Parameters(arity = "0..*", paramLabel = "TOPIC") List<String> topics) {
    MqConfig config = broker.config();
    List<String> names =
        topics == null || topics.isEmpty()
            ? AgentsConfig.of(config).topics().withDeadLetterTopics()
            : topics;
    int missing = 0;
    try (MessageQueue queue = MessageQueue.create(config)) {
      for (String name : names) {
        Optional<TopicSpec> spec = queue.admin().describeTopic(name);
        if (spec.isPresent()) {
          TopicSpec s = spec.get();
          out()
              .printf(
                  "%-28s partitions %d, replication %d, retention %s%n",
                  name,
                  s.partitions(),
                  s.replicationFactor(),
                  s.retention().map(r -> r.toMillis() + " ms").orElse("broker default"));
        } else {
          out().printf("%-28s does not exist%n", name);
          missing++;
        }
      }
    }
    out().flush();
    return missing == 0 ? 0 : 1;
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Deletes every pipeline topic and its dead-letter topic, with their messages.")
  int delete(
      @Mixin BrokerOptions broker,
      @Option(names = "--yes", required = true, description = "confirm: messages are lost")
          boolean yes) {
    MqConfig config = broker.config();
    try (MessageQueue queue = MessageQueue.create(config)) {
      for (String topic : AgentsConfig.of(config).topics().withDeadLetterTopics()) {
        out()
            .printf(
                "%-28s %s%n",
                topic, queue.admin().deleteTopic(topic) ? "deleted" : "did not exist");
      }
    }
    out().flush();
    return 0;
  }

  private PrintWriter out() {
    return spec.commandLine().getOut();
  }
}
