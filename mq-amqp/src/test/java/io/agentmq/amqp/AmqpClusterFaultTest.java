package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agentmq.api.Health;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.tck.fault.ClusterNodes;
import io.agentmq.tck.fault.NodeLossScenario;
import io.agentmq.tck.fault.QuorumLossScenario;
import io.agentmq.tck.fault.ReliabilityReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node loss under load on a three-node RabbitMQ cluster of the test's own ({@link
 * RabbitClusterProcess}): quorum queues, a producer with publisher confirms and a consumer, each a
 * {@link MessageQueue} given every node's address, nodes killed with SIGKILL.
 */
class AmqpClusterFaultTest {
  private static final String BACKEND = "amqp (3 nodes, quorum)";
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(5);

  /** What a failed send may take beyond its timeout: the publisher's timer, a busy machine. */
  private static final Duration MARGIN = Duration.ofSeconds(2);

  private static RabbitClusterProcess cluster;

  @TempDir Path dir;

  @BeforeAll
  static void startCluster() throws Exception {
    assumeTrue(
        RabbitNodeProcess.installed(),
        "needs rabbitmq-server installed to start a cluster of the test's own");
    cluster = RabbitClusterProcess.start();
  }

  /** A scenario that failed midway may leave nodes down: the next one starts with all three. */
  @AfterEach
  void restoreCluster() throws Exception {
    if (cluster != null) {
      cluster.startStopped();
    }
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * A queue with quorum queues on every node of the cluster: the producer's names them in {@code
   * amqp.addresses} next to one URL, the consumer's as several URLs in {@code amqp.url}, the two
   * forms {@code AMQP_URL} and the configuration file take.
   */
  private static MessageQueue queue(
      boolean addressList, Duration sendTimeout, String topic, String group) {
    MqConfig.Builder builder = MqConfig.builder().brokerType("amqp");
    if (addressList) {
      builder
          .set("amqp.url", "amqp://guest:guest@127.0.0.1")
          .set("amqp.addresses", cluster.addresses());
    } else {
      builder.set("amqp.url", cluster.urls());
    }
    return MessageQueue.create(
        builder
            .set("amqp.queue_type", "quorum")
            .set("amqp.management_url", cluster.managementUrl())
            .set(MqConfig.SEND_TIMEOUT_MS, Long.toString(sendTimeout.toMillis()))
            .declareGroups(topic, List.of(group))
            .build());
  }

  /**
   * The cluster's nodes for a scenario on {@code queue}; before a killed node is started again (the
   * stream having gone on without it), checks that both queues' connections are UP on nodes still
   * running, and notes where they are not.
   */
  private static ClusterNodes watched(
      String queue, List<MessageQueue> clients, List<String> misplaced) {
    ClusterNodes nodes = cluster.scenarioNodes(queue);
    return new ClusterNodes() {
      @Override
      public List<String> names() {
        return nodes.names();
      }

      @Override
      public String leader() throws Exception {
        return nodes.leader();
      }

      @Override
      public void kill(String node) throws Exception {
        nodes.kill(node);
      }

      @Override
      public void start(String node) throws Exception {
        Set<String> live =
            cluster.nodes().stream()
                .filter(RabbitNodeProcess::running)
                .map(n -> "127.0.0.1:" + n.amqpPort())
                .collect(Collectors.toSet());
        for (MessageQueue client : clients) {
          try {
            await().atMost(Duration.ofSeconds(30)).until(() -> onLiveNodes(client.health(), live));
          } catch (ConditionTimeoutException e) {
            misplaced.add("while " + node + " was down: " + client.health());
          }
        }
        nodes.start(node);
      }

      @Override
      public void awaitInSync() throws Exception {
        nodes.awaitInSync();
      }
    };
  }

  private static boolean onLiveNodes(Health health, Set<String> live) {
    return health.isUp()
        && live.contains(String.valueOf(health.details().get("connectedTo")))
        && live.contains(String.valueOf(health.details().get("publishingTo")));
  }

  @Test
  @Timeout(200)
  @DisplayName(
      "with quorum queues, the queue leader's node killed, restarted, then another node killed"
          + " under load: every confirmed send is consumed in per-key order, and the same clients"
          + " fail over to the surviving nodes of their address list")
  void leaderLostThenAnother() throws Exception {
    String topic = "cluster-node-loss";
    String group = "node-loss-readers";
    try (MessageQueue producing = queue(true, Duration.ofSeconds(20), topic, group);
        MessageQueue consuming = queue(false, Duration.ofSeconds(20), topic, group)) {
      List<String> misplaced = new ArrayList<>();
      String queueName = topic + "." + group;
      assertThat(cluster.queueState(queueName).members()).hasSize(3);

      NodeLossScenario.Result result =
          NodeLossScenario.run(
              producing,
              consuming,
              topic,
              group,
              watched(queueName, List.of(producing, consuming), misplaced),
              dir.resolve("ledger"));

      System.out.println("amqp, 3 nodes, quorum, leader lost then another: " + result);
      ReliabilityReport.record(
          BACKEND,
          "queue leader's node SIGKILL, restarted, then another node SIGKILL, under load (quorum"
              + " queue, confirms): "
              + result.failed()
              + " sends failed; failovers "
              + result.losses().stream()
                  .map(l -> l.failover().toMillis() + " ms")
                  .collect(Collectors.joining(", ")),
          result.report(),
          Long.toString(result.slowestFailover().toMillis()));
      assertThat(result.losses()).hasSize(2);
      assertThat(result.losses().get(0).node()).isNotEqualTo(result.losses().get(1).node());
      assertThat(result.report().lost()).isEmpty();
      assertThat(result.report().acknowledged() + result.failed()).isEqualTo(result.issued());
      // Publishes unconfirmed at a kill go out again ahead of later ones of their channel.
      assertThat(result.report().reordered()).isZero();
      assertThat(misplaced).isEmpty();
      assertThat(cluster.queueState(queueName).online()).hasSize(3);
    }
  }

  @Test
  @Timeout(200)
  @DisplayName(
      "with two of three nodes down, a quorum queue confirms nothing: sends fail within"
          + " producer.send_timeout_ms saying so; once one node returns, sends succeed again and"
          + " every confirmed send is consumed")
  void twoOfThreeLost() throws Exception {
    String topic = "cluster-majority-loss";
    String group = "majority-loss-readers";
    try (MessageQueue producing = queue(true, SEND_TIMEOUT, topic, group);
        MessageQueue consuming = queue(false, SEND_TIMEOUT, topic, group)) {
      String queueName = topic + "." + group;

      QuorumLossScenario.Result result =
          QuorumLossScenario.run(
              producing,
              consuming,
              topic,
              group,
              cluster.scenarioNodes(queueName),
              50,
              dir.resolve("ledger"));

      System.out.println("amqp, 3 nodes, quorum, two lost: " + result);
      ReliabilityReport.record(
          BACKEND,
          "two nodes of three SIGKILL, one restarted (quorum queue, send timeout 5 s): "
              + result.failuresWhileDown().size()
              + " sends failed in at most "
              + result.slowestFailure().toMillis()
              + " ms, "
              + result.acknowledgedWhileDown()
              + " confirmed while two were down",
          result.report(),
          Long.toString(result.recovery().toMillis()));
      assertThat(result.report().lost()).isEmpty();
      assertThat(result.report().acknowledged() + result.failed()).isEqualTo(result.issued());
      assertThat(result.acknowledgedWhileDown()).isZero();
      assertThat(result.failuresWhileDown()).hasSizeGreaterThanOrEqualTo(50);
      assertThat(result.slowestFailure()).isLessThanOrEqualTo(SEND_TIMEOUT.plus(MARGIN));
      // A queue without a majority makes RabbitMQ refuse the publish (a nack) or never confirm it.
      assertThat(result.failureMessages())
          .allSatisfy(
              m -> assertThat(m).containsPattern("RabbitMQ refused .*\\(nack\\)|send_timeout_ms"));
      assertThat(cluster.queueState(queueName).online()).hasSize(3);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> producing.health().isUp() && consuming.health().isUp());
    }
  }
}
