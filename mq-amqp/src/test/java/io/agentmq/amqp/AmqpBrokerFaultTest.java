package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.tck.fault.BrokerKillScenario;
import io.agentmq.tck.fault.PartitionScenario;
import io.agentmq.tck.fault.ReliabilityReport;
import io.agentmq.tck.fault.TcpProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real faults of the broker and the network against a RabbitMQ node of the test's own (the shared
 * node on 5672 is never touched): the node killed with SIGKILL, and partitions through a TCP proxy.
 */
class AmqpBrokerFaultTest {
  private static final String TOPIC = "fault-broker";
  private static final String GROUP = "fault-readers";
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(3);

  @TempDir Path dir;
  private RabbitNodeProcess node;

  @BeforeEach
  void startNode() throws Exception {
    assumeTrue(
        RabbitNodeProcess.installed(),
        "needs rabbitmq-server installed to start a node of the test's own");
    node = RabbitNodeProcess.start();
  }

  @AfterEach
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  /** A queue on {@code url}, the test's group declared with the topic so no send is unroutable. */
  private static MessageQueue queue(String url, Duration sendTimeout) {
    return MessageQueue.create(
        MqConfig.builder()
            .brokerType("amqp")
            .set("amqp.url", url)
            .set(MqConfig.SEND_TIMEOUT_MS, Long.toString(sendTimeout.toMillis()))
            .declareGroups(TOPIC, List.of(GROUP))
            .build());
  }

  @Test
  @Timeout(180)
  @DisplayName(
      "consumes every confirmed message, each key's in publish order, when the RabbitMQ node is"
          + " killed with SIGKILL twice while a producer and a consumer run; failed sends are"
          + " counted, redeliveries are duplicates")
  void nodeKilled() throws Exception {
    try (MessageQueue producing = queue(node.url(), Duration.ofSeconds(20));
        MessageQueue consuming = queue(node.url(), Duration.ofSeconds(20))) {
      BrokerKillScenario.Result result =
          BrokerKillScenario.run(
              producing,
              consuming,
              TOPIC,
              GROUP,
              new BrokerKillScenario.Broker() {
                @Override
                public void kill() throws Exception {
                  node.kill();
                }

                @Override
                public void start() throws Exception {
                  node.startAgain();
                }
              },
              2,
              dir);

      System.out.println("amqp, node SIGKILL x2: " + result);
      ReliabilityReport.record(
          "amqp",
          "broker SIGKILL x2 while producing and consuming (durable queue, confirms)",
          result.report(),
          Long.toString(result.slowestRecovery().toMillis()));
      assertThat(result.report().lost()).isEmpty();
      assertThat(result.report().acknowledged() + result.failed()).isEqualTo(result.issued());
      assertThat(result.kills()).isEqualTo(2);
      // Publishes unconfirmed at a kill go out again ahead of later ones of their channel.
      assertThat(result.report().reordered()).isZero();
    }
  }

  @Test
  @Timeout(120)
  @DisplayName(
      "a 10 s partition of the producer fails its sends within producer.send_timeout_ms instead of"
          + " hanging, and every confirmed message is consumed")
  void producerPartitioned() throws Exception {
    try (TcpProxy proxy = TcpProxy.start(node.amqpPort());
        MessageQueue producing = queue(RabbitNodeProcess.url(proxy.port()), SEND_TIMEOUT);
        MessageQueue consuming = queue(node.url(), SEND_TIMEOUT)) {
      PartitionScenario.Result result =
          PartitionScenario.run(
              producing, consuming, proxy, Duration.ofSeconds(10), TOPIC, GROUP, dir);

      System.out.println("amqp, producer partitioned 10 s: " + result);
      record("producer partitioned 10 s (send timeout 3 s)", result);
      assertThat(result.report().lost()).isEmpty();
      assertThat(result.report().acknowledged() + result.failed()).isEqualTo(result.issued());
      assertThat(result.failed()).isPositive();
      assertThat(result.slowestAnswer()).isLessThanOrEqualTo(SEND_TIMEOUT.plusSeconds(2));
    }
  }

  @Test
  @Timeout(120)
  @DisplayName(
      "a 10 s partition of the consumer leaves the producer unharmed, the consumer resumes after"
          + " healing, and every confirmed message is consumed")
  void consumerPartitioned() throws Exception {
    try (TcpProxy proxy = TcpProxy.start(node.amqpPort());
        MessageQueue producing = queue(node.url(), SEND_TIMEOUT);
        MessageQueue consuming = queue(RabbitNodeProcess.url(proxy.port()), SEND_TIMEOUT)) {
      PartitionScenario.Result result =
          PartitionScenario.run(
              producing, consuming, proxy, Duration.ofSeconds(10), TOPIC, GROUP, dir);

      System.out.println("amqp, consumer partitioned 10 s: " + result);
      record("consumer partitioned 10 s", result);
      assertThat(result.report().lost()).isEmpty();
      assertThat(result.report().acknowledged()).isEqualTo(result.issued());
      assertThat(result.failed()).isZero();
    }
  }

  private static void record(String scenario, PartitionScenario.Result result) {
    ReliabilityReport.record(
        "amqp",
        scenario + ": " + result.failed() + " sends failed",
        result.report(),
        Long.toString(result.recovery().toMillis()));
  }
}
