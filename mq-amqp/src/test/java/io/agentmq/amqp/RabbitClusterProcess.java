package io.agentmq.amqp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmq.tck.fault.ClusterNodes;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * A three-node RabbitMQ cluster of the test's own: {@link RabbitNodeProcess} nodes with distinct
 * node names, ports and data directories, the second and third joined to the first with {@code
 * rabbitmqctl stop_app; join_cluster; start_app}, all stopped and deleted on {@link #close()}. The
 * machine's default node on 5672 is never touched.
 */
public final class RabbitClusterProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<RabbitNodeProcess> nodes;

  private RabbitClusterProcess(List<RabbitNodeProcess> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /** Starts three nodes (management plugin on each) and joins them; returns once clustered. */
  public static RabbitClusterProcess start() throws IOException, InterruptedException {
    String run = UUID.randomUUID().toString().substring(0, 6);
    List<CompletableFuture<RabbitNodeProcess>> starting = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      RabbitNodeProcess.Settings settings =
          new RabbitNodeProcess.Settings(
                  "agentmq-c" + i + "-" + run + "@localhost",
                  RabbitNodeProcess.freePort(),
                  RabbitNodeProcess.freePort(),
                  0,
                  List.of())
              .withManagement();
      starting.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return RabbitNodeProcess.start(settings);
                } catch (IOException e) {
                  throw new CompletionException(e);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new CompletionException(e);
                }
              }));
    }
    List<RabbitNodeProcess> started = new ArrayList<>();
    Throwable failure = null;
    for (CompletableFuture<RabbitNodeProcess> f : starting) {
      try {
        started.add(f.join());
      } catch (CompletionException e) {
        failure = failure == null ? e.getCause() : failure;
      }
    }
    RabbitClusterProcess cluster = new RabbitClusterProcess(started);
    try {
      if (failure != null) {
        throw new IOException("a node of the cluster did not start: " + failure, failure);
      }
      RabbitNodeProcess first = started.get(0);
      for (RabbitNodeProcess node : started.subList(1, started.size())) {
        node.rabbitmqctl("stop_app");
        node.rabbitmqctl("join_cluster", first.nodeName());
        node.rabbitmqctl("start_app");
        node.awaitAmqp();
      }
      cluster.awaitRunning(3);
      return cluster;
    } catch (IOException | RuntimeException | InterruptedException e) {
      cluster.close();
      throw e;
    }
  }

  public List<RabbitNodeProcess> nodes() {
    return nodes;
  }

  /** The node of this name. */
  public RabbitNodeProcess node(String nodeName) {
    return nodes.stream()
        .filter(n -> n.nodeName().equals(nodeName))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node " + nodeName + " in the cluster"));
  }

  /** Every node's address as {@code amqp.addresses} takes it: {@code 127.0.0.1:p1,...}. */
  public String addresses() {
    return nodes.stream().map(n -> "127.0.0.1:" + n.amqpPort()).collect(Collectors.joining(","));
  }

  /** Every node's AMQP URL, separated by commas, as {@code AMQP_URL} may name them. */
  public String urls() {
    return nodes.stream().map(RabbitNodeProcess::url).collect(Collectors.joining(","));
  }

  /** The management API of the first node. */
  public String managementUrl() {
    return nodes.get(0).managementUrl().orElseThrow();
  }

  /** The nodes of this cluster as a node-loss scenario on {@code queue} sees them. */
  public ClusterNodes scenarioNodes(String queue) {
    return new ClusterNodes() {
      @Override
      public List<String> names() {
        return nodes.stream().map(RabbitNodeProcess::nodeName).toList();
      }

      @Override
      public String leader() throws Exception {
        return queueState(queue).leader();
      }

      @Override
      public void kill(String node) throws Exception {
        node(node).kill();
      }

      @Override
      public void start(String node) throws Exception {
        node(node).startAgain();
      }

      @Override
      public void awaitInSync() {
        Awaitility.await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(500))
            .ignoreExceptions()
            .until(() -> queueState(queue).inSync(running()));
      }
    };
  }

  /**
   * A quorum queue as the cluster reports it.
   *
   * @param leader the node leading it; empty when none does
   * @param members the nodes holding a copy
   * @param online the members whose copy is running
   */
  public record QueueState(String leader, Set<String> members, Set<String> online) {
    /** Whether it has a leader and every member on a running node has its copy running. */
    boolean inSync(Set<String> running) {
      Set<String> expected = new HashSet<>(members);
      expected.retainAll(running);
      return running.contains(leader) && online.containsAll(expected);
    }
  }

  /**
   * {@code rabbitmqctl list_queues name leader members online} of {@code queue}, asked of each
   * running node in turn until one answers (a node starting again does not yet).
   */
  public QueueState queueState(String queue) throws IOException, InterruptedException {
    IOException failure = new IOException("no node of the cluster is running");
    for (RabbitNodeProcess asked : nodes) {
      if (!asked.running()) {
        continue;
      }
      String output;
      try {
        output =
            asked.rabbitmqctl(
                "list_queues", "--formatter", "json", "name", "leader", "members", "online");
      } catch (IOException e) {
        failure = e;
        continue;
      }
      for (JsonNode q : JSON.readTree(output.substring(output.indexOf('[')))) {
        if (q.path("name").asText().equals(queue)) {
          return new QueueState(
              q.path("leader").asText(""), names(q.path("members")), names(q.path("online")));
        }
      }
      throw new IllegalStateException("no queue '" + queue + "' in the cluster: " + output);
    }
    throw failure;
  }

  private static Set<String> names(JsonNode array) {
    Set<String> names = new HashSet<>();
    array.forEach(n -> names.add(n.asText()));
    return names;
  }

  /** Starts again every node that is not running (killed or stopped). */
  public void startStopped() throws IOException, InterruptedException {
    for (RabbitNodeProcess node : nodes) {
      if (!node.running()) {
        node.startAgain();
      }
    }
  }

  /** The nodes whose Erlang VM runs now. */
  public Set<String> running() {
    return nodes.stream()
        .filter(RabbitNodeProcess::running)
        .map(RabbitNodeProcess::nodeName)
        .collect(Collectors.toSet());
  }

  /** Waits until {@code count} nodes report themselves running in the cluster. */
  private void awaitRunning(int count) {
    Awaitility.await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              String status = nodes.get(0).rabbitmqctl("cluster_status", "--formatter", "json");
              JsonNode running =
                  JSON.readTree(status.substring(status.indexOf('{'))).path("running_nodes");
              return running.size() == count;
            });
  }

  /** Stops every node and deletes its data; idempotent. */
  @Override
  public void close() {
    // The joined nodes first: the first node is stopped last, with no peer left to wait for.
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
  }
}
