package io.agentmq.amqp;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.Capabilities;
import io.agentmq.tck.MessageQueueConformanceSuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance suite on a three-node RabbitMQ cluster of the test's own ({@link
 * RabbitClusterProcess}), with quorum queues and every node's address in {@code amqp.addresses}.
 */
@DisplayName("amqp backend conformance on a three-node cluster with quorum queues")
class AmqpClusterConformanceTest extends MessageQueueConformanceSuite {
  private static RabbitClusterProcess cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    assumeTrue(RabbitNodeProcess.installed(), "rabbitmq-server is not installed");
    cluster = RabbitClusterProcess.start();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** As {@link AmqpConformanceTest}: a cluster and quorum queues change nothing it promises. */
  @Override
  protected Capabilities capabilities() {
    return AmqpConformanceTest.RABBITMQ;
  }

  @Override
  protected boolean deletesTopicsAfterEachTest() {
    return true;
  }

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder
        .brokerType("amqp")
        .set("amqp.url", "amqp://guest:guest@127.0.0.1")
        .set("amqp.addresses", cluster.addresses())
        .set("amqp.queue_type", "quorum")
        .set("amqp.management_url", cluster.managementUrl());
  }
}
