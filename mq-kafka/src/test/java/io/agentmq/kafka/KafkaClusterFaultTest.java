package io.agentmq.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.tck.fault.ClusterNodes;
import io.agentmq.tck.fault.NodeLossScenario;
import io.agentmq.tck.fault.QuorumLossScenario;
import io.agentmq.tck.fault.ReliabilityReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node loss under load on a three-broker Kafka cluster of the test's own ({@link
 * KafkaClusterProcess}): topics with three replicas of which two must be in sync, a producer with
 * AgentMQ's defaults (acks=all, idempotence) and a consumer group, brokers killed with SIGKILL.
 */
class KafkaClusterFaultTest {
  private static final String BACKEND = "kafka (3 brokers)";
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(5);

  /** What a failed send may take beyond its timeout: the client's expiry check, a busy machine. */
  private static final Duration MARGIN = Duration.ofSeconds(3);

  private static KafkaClusterProcess cluster;

  @TempDir Path dir;

  @BeforeAll
  static void startCluster(@TempDir Path clusterDir) throws Exception {
    cluster = KafkaClusterProcess.start(clusterDir);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * A queue on the cluster with replication factor 3 for the topics it creates, and short client
   * timeouts: a 6 s session, so a lost member's partitions move in seconds, and reconnections
   * backing off to 1 s at most.
   */
  private static MessageQueue queue(Duration sendTimeout) {
    return MessageQueue.create(
        MqConfig.builder()
            .brokerType("kafka")
            .set("kafka.bootstrap_servers", cluster.bootstrapServers())
            .set(MqConfig.TOPIC_DEFAULT_REPLICATION_FACTOR, "3")
            .set("kafka.linger_ms", "1")
            .set("kafka.request_timeout_ms", "5000")
            .set(MqConfig.SEND_TIMEOUT_MS, Long.toString(sendTimeout.toMillis()))
            .set("kafka.client.session.timeout.ms", "6000")
            .set("kafka.client.heartbeat.interval.ms", "1000")
            .set("kafka.client.fetch.max.wait.ms", "50")
            .set("kafka.client.metadata.max.age.ms", "5000")
            .set("kafka.client.reconnect.backoff.max.ms", "1000")
            .set("kafka.client.retry.backoff.max.ms", "1000")
            .build());
  }

  /** The cluster's nodes as the scenarios see them, {@code topic}'s first partition leading. */
  private static ClusterNodes nodes(String topic) {
    return new ClusterNodes() {
      @Override
      public List<String> names() {
        return KafkaClusterProcess.NODES.stream().map(String::valueOf).toList();
      }

      @Override
      public String leader() {
        return Integer.toString(cluster.leaderOf(topic, 0));
      }

      @Override
      public void kill(String node) throws Exception {
        cluster.kill(Integer.parseInt(node));
      }

      @Override
      public void start(String node) throws Exception {
        cluster.startAgain(Integer.parseInt(node));
      }

      @Override
      public void awaitInSync() {
        cluster.awaitFullyReplicated(Duration.ofMinutes(2));
      }
    };
  }

  /** Creates {@code topic} through AgentMQ with the configured defaults: 4 partitions, 3 copies. */
  private static void create(MessageQueue queue, String topic) {
    queue.admin().createTopic(queue.config().topic(topic));
    assertThat(cluster.describe(topic).partitions())
        .hasSize(4)
        .allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
  }

  @Test
  @Timeout(180)
  @DisplayName(
      "with replication factor 3 and min.insync.replicas 2, the leader's broker killed, restarted,"
          + " then another broker killed under load: every acknowledged send is consumed in"
          + " per-key order by the same clients, no send fails")
  void leaderLostThenAnother() throws Exception {
    String topic = "cluster-node-loss";
    try (MessageQueue producing = queue(Duration.ofSeconds(30));
        MessageQueue consuming = queue(Duration.ofSeconds(30))) {
      create(producing, topic);
      ConfigEntry minInsync = cluster.minInsyncReplicas(topic);
      System.out.println(
          "kafka cluster: topic min.insync.replicas="
              + minInsync.value()
              + " (source "
              + minInsync.source()
              + ")");
      assertThat(minInsync.value()).isEqualTo("2");

      NodeLossScenario.Result result =
          NodeLossScenario.run(
              producing,
              consuming,
              topic,
              "node-loss-readers",
              nodes(topic),
              dir.resolve("ledger"));

      System.out.println("kafka, 3 brokers, leader lost then another: " + result);
      ReliabilityReport.record(
          BACKEND,
          "partition leader's broker SIGKILL, restarted, then another broker SIGKILL, under load"
              + " (replication 3, min.insync.replicas 2, acks=all): "
              + result.failed()
              + " sends failed; failovers "
              + result.losses().stream()
                  .map(l -> l.failover().toMillis() + " ms")
                  .reduce((a, b) -> a + ", " + b)
                  .orElse("-"),
          result.report(),
          Long.toString(result.slowestFailover().toMillis()));
      assertThat(result.losses()).hasSize(2);
      assertThat(result.losses().get(0).node()).isNotEqualTo(result.losses().get(1).node());
      assertThat(result.report().lost()).isEmpty();
      assertThat(result.report().acknowledged() + result.failed()).isEqualTo(result.issued());
      // One broker of three down leaves two copies: min.insync.replicas holds, nothing is refused.
      assertThat(result.failed()).isZero();
      assertThat(result.report().reordered()).isZero();
      assertThat(cluster.describe(topic).partitions())
          .allSatisfy(p -> assertThat(p.isr()).hasSize(3));
    }
  }

  @Test
  @Timeout(180)
  @DisplayName(
      "with two of three brokers down, sends fail within producer.send_timeout_ms saying why and"
          + " none is acknowledged; once one broker returns, sends succeed again and every"
          + " acknowledged send is consumed")
  void twoOfThreeLost() throws Exception {
    String topic = "cluster-majority-loss";
    try (MessageQueue producing = queue(SEND_TIMEOUT);
        MessageQueue consuming = queue(SEND_TIMEOUT)) {
      create(producing, topic);

      QuorumLossScenario.Result result =
          QuorumLossScenario.run(
              producing,
              consuming,
              topic,
              "majority-loss-readers",
              nodes(topic),
              50,
              dir.resolve("ledger"));

      System.out.println("kafka, 3 brokers, two lost: " + result);
      ReliabilityReport.record(
          BACKEND,
          "two brokers of three SIGKILL, one restarted (send timeout 5 s): "
              + result.failuresWhileDown().size()
              + " sends failed in at most "
              + result.slowestFailure().toMillis()
              + " ms, "
              + result.acknowledgedWhileDown()
              + " acknowledged while two were down",
          result.report(),
          Long.toString(result.recovery().toMillis()));
      assertThat(result.report().lost()).isEmpty();
      assertThat(result.report().acknowledged() + result.failed()).isEqualTo(result.issued());
      assertThat(result.acknowledgedWhileDown()).isZero();
      assertThat(result.acknowledgedAfterReturn()).isPositive();
      assertThat(result.failuresWhileDown()).hasSizeGreaterThanOrEqualTo(50);
      assertThat(result.slowestFailure()).isLessThanOrEqualTo(SEND_TIMEOUT.plus(MARGIN));
      assertThat(result.failureMessages())
          .allSatisfy(
              m -> assertThat(m).containsPattern("(?i)NotEnoughReplicas|timed? ?out|expir"));
      assertThat(cluster.describe(topic).partitions())
          .extracting(TopicPartitionInfo::isr)
          .allSatisfy(isr -> assertThat(isr).hasSize(3));
    }
  }
}
