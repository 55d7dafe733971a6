package io.agentmq.kafka;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;

/**
 * A real three-node KRaft cluster on this machine: nodes 1 to 3, each a broker and a controller in
 * a JVM of its own (as {@link KafkaBrokerProcess} starts one), on fixed ports and data directories
 * formatted with one cluster id and a static quorum of the three, so that any node can be killed
 * with SIGKILL and started again. Topics get three replicas and need two in sync by default; the
 * internal topics (offsets, transactions) too.
 */
public final class KafkaClusterProcess implements AutoCloseable {
  /** Node ids: 1, 2 and 3. */
  public static final List<Integer> NODES = List.of(1, 2, 3);

  private static final String HEAP = "384m";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Map<Integer, NodeProcess> nodes = new TreeMap<>();
  private final Admin admin;

  /** One node: its ports, directory and process (null before the first start). */
  private static final class NodeProcess {
    final int id;
    final int port;
    final Path dir;
    Process process;

    NodeProcess(int id, int port, Path dir) {
      this.id = id;
      this.port = port;
      this.dir = dir;
    }

    Path log() {
      return dir.resolve("broker.log");
    }

    void start() throws IOException {
      process =
          KafkaBrokerProcess.java(
                  "kafka.Kafka", List.of(dir.resolve("server.properties").toString()), HEAP, log())
              .start();
    }

    boolean alive() {
      return process != null && process.isAlive();
    }

    void kill() throws InterruptedException {
      if (alive()) {
        process.destroyForcibly().waitFor();
      }
    }

    void stop() throws InterruptedException {
      if (alive()) {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      }
    }
  }

  private KafkaClusterProcess(List<NodeProcess> started) {
    started.forEach(n -> nodes.put(n.id, n));
    this.admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000,
                AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 1000));
  }

  /** Formats three data directories in a new temporary directory and starts the cluster. */
  public static KafkaClusterProcess start() throws IOException, InterruptedException {
    return start(Files.createTempDirectory("agentmq-kafka-cluster-"));
  }

  /**
   * Formats three data directories under {@code dir} ({@code node-1} to {@code node-3}) with one
   * cluster id, starts the three nodes and returns once all three are registered brokers.
   */
  public static KafkaClusterProcess start(Path dir) throws IOException, InterruptedException {
    Map<Integer, Integer> ports = new TreeMap<>();
    Map<Integer, Integer> controllerPorts = new TreeMap<>();
    for (int id : NODES) {
      ports.put(id, KafkaBrokerProcess.freePort());
      controllerPorts.put(id, KafkaBrokerProcess.freePort());
    }
    String voters =
        NODES.stream()
            .map(id -> id + "@127.0.0.1:" + controllerPorts.get(id))
            .collect(Collectors.joining(","));
    String clusterId = Uuid.randomUuid().toString();
    List<NodeProcess> created = new ArrayList<>();
    List<Process> formats = new ArrayList<>();
    for (int id : NODES) {
      Path nodeDir = Files.createDirectories(dir.resolve("node-" + id));
      Path properties = nodeDir.resolve("server.properties");
      Files.writeString(
          properties,
          String.join("\n", properties(id, ports.get(id), controllerPorts.get(id), voters, nodeDir))
              + "\n");
      created.add(new NodeProcess(id, ports.get(id), nodeDir));
      // A static quorum: every node knows the three voters from its configuration.
      formats.add(
          KafkaBrokerProcess.java(
                  "kafka.tools.StorageTool",
                  List.of("format", "-t", clusterId, "-c", properties.toString()),
                  "256m",
                  nodeDir.resolve("format.log"))
              .start());
    }
    for (int i = 0; i < formats.size(); i++) {
      Process format = formats.get(i);
      if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
        format.destroyForcibly();
        throw new IOException(
            "formatting a Kafka data directory failed; see "
                + created.get(i).dir.resolve("format.log"));
      }
    }
    KafkaClusterProcess cluster = new KafkaClusterProcess(created);
    try {
      for (NodeProcess node : created) {
        node.start();
      }
      // A node serves clients only once the quorum (two of three controllers) has a leader.
      for (NodeProcess node : created) {
        KafkaBrokerProcess.awaitListening(node.process, node.port, node.log(), START_TIMEOUT);
      }
      cluster.awaitBrokers(NODES.size());
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private static List<String> properties(
      int id, int port, int controllerPort, String voters, Path dir) {
    return List.of(
        "process.roles=broker,controller",
        "node.id=" + id,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "inter.broker.listener.name=PLAINTEXT",
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.quorum.voters=" + voters,
        "log.dirs=" + dir.resolve("data"),
        "num.partitions=4",
        "default.replication.factor=3",
        "min.insync.replicas=2",
        "offsets.topic.replication.factor=3",
        "offsets.topic.num.partitions=4",
        "transaction.state.log.replication.factor=3",
        "transaction.state.log.min.isr=2",
        "transaction.state.log.num.partitions=4",
        "unclean.leader.election.enable=false",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=false",
        // A killed node is fenced, and drops out of the in-sync replicas, within seconds.
        "broker.heartbeat.interval.ms=500",
        "broker.session.timeout.ms=3000",
        "replica.lag.time.max.ms=5000",
        "controller.quorum.election.timeout.ms=1000",
        "controller.quorum.fetch.timeout.ms=2000");
  }

  /** The three nodes' client addresses, for {@code kafka.bootstrap_servers}. */
  public String bootstrapServers() {
    return nodes.values().stream().map(n -> "127.0.0.1:" + n.port).collect(Collectors.joining(","));
  }

  /** The node that leads {@code partition} of {@code topic} now, as the cluster's metadata says. */
  public int leaderOf(String topic, int partition) {
    TopicPartitionInfo info = describe(topic).partitions().get(partition);
    Node leader = info.leader();
    if (leader == null || leader.isEmpty()) {
      throw new IllegalStateException(topic + "-" + partition + " has no leader now");
    }
    return leader.id();
  }

  /** The topic's {@code min.insync.replicas} and where the value comes from. */
  public ConfigEntry minInsyncReplicas(String topic) {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Config config = get(admin.describeConfigs(List.of(resource)).all()).get(resource);
    return config.get("min.insync.replicas");
  }

  /** Describes {@code topic}: partitions, leaders, replicas and in-sync replicas. */
  public TopicDescription describe(String topic) {
    return get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
  }

  /** Kills node {@code id} with SIGKILL (no controlled shutdown) and waits until it is gone. */
  public void kill(int id) throws InterruptedException {
    node(id).kill();
  }

  /**
   * Starts node {@code id} again on its ports and data and returns once it accepts clients; its
   * replicas may still be catching up ({@link #awaitFullyReplicated(Duration)}).
   */
  public void startAgain(int id) throws IOException, InterruptedException {
    NodeProcess node = node(id);
    if (node.alive()) {
      throw new IllegalStateException("node " + id + " is running");
    }
    node.start();
    KafkaBrokerProcess.awaitListening(node.process, node.port, node.log(), START_TIMEOUT);
  }

  /**
   * Waits until every partition of every topic, the internal ones included, has a leader and all
   * its replicas in sync: what an operator waits for before taking down another node.
   */
  public void awaitFullyReplicated(Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(this::fullyReplicated);
  }

  private boolean fullyReplicated() {
    Set<String> topics = get(admin.listTopics(new ListTopicsOptions().listInternal(true)).names());
    Collection<TopicDescription> described =
        get(admin.describeTopics(topics).allTopicNames()).values();
    return described.stream()
        .flatMap(d -> d.partitions().stream())
        .allMatch(
            p ->
                p.leader() != null
                    && !p.leader().isEmpty()
                    && p.isr().size() == p.replicas().size());
  }

  private void awaitBrokers(int count) {
    await()
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(() -> get(admin.describeCluster().nodes()).size() == count);
  }

  private NodeProcess node(int id) {
    return Optional.ofNullable(nodes.get(id))
        .orElseThrow(() -> new IllegalArgumentException("no node " + id + "; nodes are " + NODES));
  }

  private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
    try {
      return future.get(15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("asking the Kafka cluster failed: " + e, e);
    }
  }

  /**
   * Closes the admin client and kills the nodes (their data is thrown away with the directory: no
   * controlled shutdown to wait for). Idempotent.
   */
  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
    try {
      for (NodeProcess node : nodes.values()) {
        node.kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
