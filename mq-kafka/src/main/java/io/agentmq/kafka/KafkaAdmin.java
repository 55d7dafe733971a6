package io.agentmq.kafka;

import io.agentmq.api.Admin;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.MessagingException;
import io.agentmq.api.TopicSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Topic and group administration through Kafka's admin client. */
final class KafkaAdmin implements Admin {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(KafkaAdmin.class);
  private final org.apache.kafka.clients.admin.Admin admin;
  private final KafkaConfig config;
  private final Set<String> known = ConcurrentHashMap.newKeySet();
  private volatile Integer brokerDefaultReplication;

  KafkaAdmin(org.apache.kafka.clients.admin.Admin admin, KafkaConfig config) {
    this.admin = admin;
    this.config = config;
  }

  /** Whether {@code name} is a topic this queue created or found (so a valid name). */
  boolean knows(String name) {
    return known.contains(name);
  }

  /** Creates the topic from its configured settings unless this queue already saw it. */
  void ensureTopic(String name) {
    if (!known.contains(name)) {
      createTopic(config.common.topic(name));
    }
  }

  @Override
  public boolean createTopic(TopicSpec spec) {
    boolean created = create(spec);
    if (config.common.deadLetterPolicy().enabled()
        && !spec.name().endsWith(DeadLetterPolicy.SUFFIX)
        && TopicSpec.isValidName(DeadLetterPolicy.deadLetterTopic(spec.name()))) {
      create(spec.withName(DeadLetterPolicy.deadLetterTopic(spec.name())));
    }
    return created;
  }

  private boolean create(TopicSpec spec) {
    int replication = replicationOf(spec);
    NewTopic topic =
        new NewTopic(spec.name(), Optional.of(spec.partitions()), Optional.of((short) replication));
    Map<String, String> configs = new HashMap<>();
    configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInSync(replication)));
    spec.retention()
        .ifPresent(r -> configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(r.toMillis())));
    topic.configs(configs);
    int brokers = clusterSize();
    if (replication == 1 && brokers > 1) {
      log.warn(
          "Creating topic '{}' with replication factor 1 on a cluster of {} brokers: losing the"
              + " broker of a partition loses its messages; set topics.{}.replication_factor or"
              + " topic_defaults.replication_factor (default: the broker's"
              + " default.replication.factor)",
          spec.name(),
          brokers,
          spec.name());
    }
    try {
      get(admin.createTopics(List.of(topic)).all(), "creating topic '" + spec.name() + "'");
      awaitLeadersOpen(spec.name(), spec.partitions());
      known.add(spec.name());
      return true;
    } catch (MessagingException e) {
      if (e.getCause() instanceof TopicExistsException) {
        known.add(spec.name());
        return false;
      }
      if (e.getCause() instanceof TopicAuthorizationException
          || e.getCause() instanceof ClusterAuthorizationException) {
        // Not allowed to create topics: use them as they are (a send to a missing one fails).
        if (known.add(spec.name())) {
          log.warn("Not allowed to create topic '{}'; using it as the cluster has it", spec.name());
        }
        return false;
      }
      throw e;
    }
  }

  @Override
  public boolean deleteTopic(String name) {
    TopicSpec.requireValidName(name);
    known.remove(name);
    try {
      get(admin.deleteTopics(List.of(name)).all(), "deleting topic '" + name + "'");
      return true;
    } catch (MessagingException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public boolean deleteGroup(String group) {
    try {
      get(admin.deleteConsumerGroups(List.of(group)).all(), "deleting group '" + group + "'");
      return true;
    } catch (MessagingException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) {
        return false;
      }
      if (e.getCause() instanceof GroupNotEmptyException) {
        throw new IllegalStateException(
            "group '" + group + "' still has running consumers; close them before deleting it",
            e.getCause());
      }
      throw e;
    }
  }

  @Override
  public Set<String> listTopics() {
    return new TreeSet<>(get(admin.listTopics().names(), "listing topics"));
  }

  @Override
  public Optional<TopicSpec> describeTopic(String name) {
    TopicSpec.requireValidName(name);
    TopicDescription description;
    try {
      description =
          get(
                  admin.describeTopics(List.of(name)).allTopicNames(),
                  "describing topic '" + name + "'")
              .get(name);
    } catch (MessagingException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return Optional.empty();
      }
      throw e;
    }
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, name);
    Config topicConfig =
        get(admin.describeConfigs(List.of(resource)).all(), "describing topic '" + name + "'")
            .get(resource);
    ConfigEntry retention = topicConfig.get(TopicConfig.RETENTION_MS_CONFIG);
    Optional<Duration> retained =
        retention != null
                && retention.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG
                && Long.parseLong(retention.value()) > 0
            ? Optional.of(Duration.ofMillis(Long.parseLong(retention.value())))
            : Optional.empty();
    return Optional.of(
        new TopicSpec(
            name,
            description.partitions().size(),
            description.partitions().get(0).replicas().size(),
            retained));
  }

  /**
   * The topic's replication factor: as configured, else the cluster's {@code
   * default.replication.factor} (read once from a broker).
   */
  private int replicationOf(TopicSpec spec) {
    if (spec.replicationFactor() != TopicSpec.BROKER_DEFAULT) {
      return spec.replicationFactor();
    }
    Integer known = brokerDefaultReplication;
    if (known == null) {
      known = 1;
      try {
        String broker =
            get(admin.describeCluster().nodes(), "describing the cluster")
                .iterator()
                .next()
                .idString();
        ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, broker);
        ConfigEntry entry =
            get(admin.describeConfigs(List.of(resource)).all(), "reading the broker's defaults")
                .get(resource)
                .get("default.replication.factor");
        if (entry != null && entry.value() != null) {
          known = Integer.parseInt(entry.value());
        }
      } catch (RuntimeException e) {
        log.warn(
            "Could not read the cluster's default.replication.factor ({}); creating topics with 1",
            e.getMessage());
      }
      brokerDefaultReplication = known;
    }
    return known;
  }

  /**
   * {@code min.insync.replicas} for {@code replication} copies: a majority from three on (2 of 3, 3
   * of 5), so an acknowledged send survives the loss of any one broker and a minority cannot
   * acknowledge; 1 below three, where one more copy would stop writes on any broker loss.
   */
  static int minInSync(int replication) {
    return replication >= 3 ? replication / 2 + 1 : 1;
  }

  /** How many brokers the cluster has, or 1 when it cannot be read. */
  private int clusterSize() {
    try {
      return get(admin.describeCluster().nodes(), "describing the cluster").size();
    } catch (RuntimeException e) {
      return 1;
    }
  }

  /**
   * Waits until the leader of every partition of a topic just created serves it, within the request
   * timeout. The controller's reply comes before the leaders open their partitions; a send in that
   * window is refused with NOT_LEADER_OR_FOLLOWER while a later batch of the same idempotent
   * producer may be appended, and then the first batch is refused as out of sequence until it
   * expires (KAFKA-15591). Describing the partitions' producers is answered by the leader's own
   * replica, so its success means the partition is open; the admin client retries it meanwhile.
   * Where the check itself is not allowed or not supported, the topic is used at once, as before.
   */
  private void awaitLeadersOpen(String name, int partitions) {
    List<TopicPartition> all =
        IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(name, p)).toList();
    long deadline = System.nanoTime() + config.requestTimeout.toNanos();
    try {
      while (true) {
        try {
          admin
              .describeProducers(all)
              .all()
              .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          return;
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(10);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw MessagingException.retriable("creating topic '" + name + "' was interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      log.debug(
          "Could not confirm that the leaders of topic '{}' serve it; using it at once", name, e);
    }
  }

  private <T> T get(KafkaFuture<T> future, String what) {
    try {
      return future.get(config.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw MessagingException.retriable(what + " was interrupted", e);
    } catch (Exception e) {
      throw KafkaErrors.of(what, e);
    }
  }
}
