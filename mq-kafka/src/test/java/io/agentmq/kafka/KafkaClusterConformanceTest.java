package io.agentmq.kafka;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.Capabilities;
import io.agentmq.tck.MessageQueueConformanceSuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance suite against a three-broker KRaft cluster of its own ({@link
 * KafkaClusterProcess}): every topic takes the cluster's default of three replicas, of which two
 * must be in sync; the contract holds on a cluster as on a single broker.
 */
@DisplayName("kafka backend conformance on a three-broker cluster (replication factor 3)")
class KafkaClusterConformanceTest extends MessageQueueConformanceSuite {
  private static KafkaClusterProcess cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = KafkaClusterProcess.start();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** As {@link KafkaConformanceTest}: everything. */
  @Override
  protected Capabilities capabilities() {
    return Capabilities.all();
  }

  /** The cluster's default.replication.factor, which AgentMQ's topics take unless configured. */
  @Override
  protected int brokerDefaultReplication() {
    return 3;
  }

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder
        .brokerType("kafka")
        .set("kafka.bootstrap_servers", cluster.bootstrapServers())
        .set("kafka.linger_ms", "1")
        .set("kafka.client.fetch.max.wait.ms", "50");
  }
}
