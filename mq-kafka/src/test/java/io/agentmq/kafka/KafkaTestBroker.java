package io.agentmq.kafka;

import io.agentmq.api.MqConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.server.common.MetadataVersion;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The Kafka broker the tests use, one per test JVM: {@code KAFKA_BOOTSTRAP_SERVERS} when set;
 * otherwise a Testcontainers Kafka where a Docker engine is present; otherwise a real single-node
 * KRaft broker started in this JVM (kafka-test-common-runtime). A started broker is stopped once,
 * when the JUnit run ends ({@link KafkaTestBrokerSession}), not in a JVM shutdown hook: stopping
 * Kafka while the JVM shuts down can make the test JVM exit with an error after all tests passed.
 */
public final class KafkaTestBroker {
  private static String bootstrapServers;
  private static AutoCloseable started;

  private KafkaTestBroker() {}

  /**
   * The settings tests use on this broker: backend, bootstrap address, a 1 ms linger, and a 50 ms
   * fetch wait — a resumed partition (after a retry's backoff) waits for the fetch in flight, and
   * Kafka's 500 ms default would add that to every retry.
   */
  public static MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder
        .brokerType("kafka")
        .set("kafka.bootstrap_servers", bootstrapServers())
        .set("kafka.linger_ms", "1")
        .set("kafka.client.fetch.max.wait.ms", "50");
  }

  /** The bootstrap address, starting the in-JVM broker on first use. */
  public static synchronized String bootstrapServers() {
    if (bootstrapServers == null) {
      String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
      if (external != null && !external.isBlank()) {
        bootstrapServers = external;
      } else if (dockerAvailable()) {
        bootstrapServers = startContainer();
      } else {
        bootstrapServers = startInJvm();
      }
    }
    return bootstrapServers;
  }

  /** Stops the broker this class started, if any; once. */
  static synchronized void stop() {
    AutoCloseable broker = started;
    started = null;
    bootstrapServers = null;
    if (broker != null) {
      try {
        broker.close();
      } catch (Exception e) {
        System.err.println("stopping the test Kafka broker failed: " + e);
      }
    }
  }

  /** Asks Testcontainers only where a Docker socket or host is configured: its probe is slow. */
  private static boolean dockerAvailable() {
    boolean configured =
        System.getenv("DOCKER_HOST") != null
            || Files.exists(Path.of("/var/run/docker.sock"))
            || Files.exists(
                Path.of(System.getProperty("user.home"), ".docker", "run", "docker.sock"));
    try {
      return configured && DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static String startContainer() {
    KafkaContainer container =
        new KafkaContainer("apache/kafka:" + AppInfoParser.getVersion())
            .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
            .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
            .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
            .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1");
    container.start();
    started = container::stop;
    return container.getBootstrapServers();
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
      started = cluster;
      return cluster.bootstrapServers();
    } catch (Exception e) {
      throw new IllegalStateException("could not start the in-JVM Kafka broker for the tests", e);
    }
  }
}
