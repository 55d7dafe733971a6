package io.agentmq.kafka;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * The Kafka broker the tests use, one per test JVM: {@code KAFKA_BOOTSTRAP_SERVERS} when set,
 * otherwise a real single-node KRaft broker started in this JVM (kafka-test-common-runtime), closed
 * when the JVM exits.
 */
public final class KafkaTestBroker {
  private static String bootstrapServers;

  private KafkaTestBroker() {}

  /** The bootstrap address, starting the in-JVM broker on first use. */
  public static synchronized String bootstrapServers() {
    if (bootstrapServers == null) {
      String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
      bootstrapServers = external != null && !external.isBlank() ? external : startInJvm();
    }
    return bootstrapServers;
  }

  private static String startInJvm() {
    try {
      KafkaClusterTestKit cluster =
          new KafkaClusterTestKit.Builder(
                  new TestKitNodes.Builder()
                      .setCombined(true)
                      .setNumBrokerNodes(1)
                      .setNumControllerNodes(1)
                      .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                      .build())
              .setConfigProp("offsets.topic.replication.factor", "1")
              .setConfigProp("offsets.topic.num.partitions", "4")
              .setConfigProp("transaction.state.log.replication.factor", "1")
              .setConfigProp("transaction.state.log.min.isr", "1")
              .setConfigProp("transaction.state.log.num.partitions", "4")
              .setConfigProp("group.initial.rebalance.delay.ms", "0")
              .setConfigProp("auto.create.topics.enable", "false")
              .build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      cluster.close();
                    } catch (Exception e) {
                      System.err.println("closing the test Kafka broker failed: " + e);
                    }
                  },
                  "kafka-test-broker-shutdown"));
      return cluster.bootstrapServers();
    } catch (Exception e) {
      throw new IllegalStateException("could not start the in-JVM Kafka broker for the tests", e);
    }
  }
}
