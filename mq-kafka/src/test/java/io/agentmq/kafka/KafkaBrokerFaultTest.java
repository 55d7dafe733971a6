package io.agentmq.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.TopicSpec;
import io.agentmq.tck.fault.BrokerKillScenario;
import io.agentmq.tck.fault.PartitionScenario;
import io.agentmq.tck.fault.ReliabilityReport;
import io.agentmq.tck.fault.TcpProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real faults of the broker and the network against a Kafka broker of the test's own: the broker
 * process killed with SIGKILL, and partitions through a TCP proxy in front of a listener that
 * advertises the proxy, so clients reconnect through it too.
 */
class KafkaBrokerFaultTest {
  private static final String TOPIC = "fault-broker";
  private static final String GROUP = "fault-readers";
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(3);

  @TempDir Path dir;

  /**
   * A queue on {@code bootstrap} with short client timeouts: a 6 s session, so a lost member's
   * partitions move in seconds, and reconnections backing off to 1 s at most.
   */
  private static MessageQueue queue(String bootstrap, Duration sendTimeout) {
    return MessageQueue.create(
        MqConfig.builder()
            .brokerType("kafka")
            .set("kafka.bootstrap_servers", bootstrap)
            .set("kafka.linger_ms", "1")
            .set(MqConfig.SEND_TIMEOUT_MS, Long.toString(sendTimeout.toMillis()))
            .set("kafka.client.session.timeout.ms", "6000")
            .set("kafka.client.heartbeat.interval.ms", "1000")
            .set("kafka.client.fetch.max.wait.ms", "50")
            .set("kafka.client.reconnect.backoff.max.ms", "1000")
            .set("kafka.client.retry.backoff.max.ms", "1000")
            .build());
  }

  @Test
  @Timeout(180)
  @DisplayName(
      "consumes every acknowledged send when the broker is killed with SIGKILL twice while a"
          + " producer (acks=all) and a consumer run; failed sends are counted, redeliveries are"
          + " duplicates")
  void brokerKilled() throws Exception {
    Path data = Files.createDirectories(dir.resolve("broker"));
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(KafkaBrokerProcess.freePort(), data);
        MessageQueue producing = queue(broker.bootstrapServers(), Duration.ofSeconds(20));
        MessageQueue consuming = queue(broker.bootstrapServers(), Duration.ofSeconds(20))) {
      producing.admin().createTopic(TopicSpec.of(TOPIC, 4));

      BrokerKillScenario.Result result =
          BrokerKillScenario.run(
              producing,
              consuming,
              TOPIC,
              GROUP,
              new BrokerKillScenario.Broker() {
                @Override
                public void kill() throws Exception {
                  broker.kill();
                }

                @Override
                public void start() throws Exception {
                  broker.startAgain();
                }
              },
              2,
              dir.resolve("ledger"));

      System.out.println("kafka, broker SIGKILL x2: " + result);
      ReliabilityReport.record(
          "kafka",
          "broker SIGKILL x2 while producing and consuming (acks=all)",
          result.report(),
          Long.toString(result.slowestRecovery().toMillis()));
      assertThat(result.report().lost()).isEmpty();
      assertThat(result.report().acknowledged() + result.failed()).isEqualTo(result.issued());
      assertThat(result.kills()).isEqualTo(2);
      // The idempotent producer keeps each partition's order through the restarts.
      assertThat(result.report().reordered()).isZero();
    }
  }

  @Test
  @Timeout(120)
  @DisplayName(
      "a 10 s partition of the producer fails its sends within producer.send_timeout_ms instead of"
          + " hanging, and every acknowledged send is consumed")
  void producerPartitioned() throws Exception {
    try (Proxied proxied = Proxied.start(dir);
        MessageQueue producing = queue(proxied.producers.address(), SEND_TIMEOUT);
        MessageQueue consuming = queue(proxied.consumers.address(), SEND_TIMEOUT)) {
      producing.admin().createTopic(TopicSpec.of(TOPIC, 4));

      PartitionScenario.Result result =
          PartitionScenario.run(
              producing,
              consuming,
              proxied.producers,
              Duration.ofSeconds(10),
              TOPIC,
              GROUP,
              dir.resolve("ledger"));

      System.out.println("kafka, producer partitioned 10 s: " + result);
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
      "a 10 s partition of the consumer, past its 6 s session, leaves the producer unharmed, the"
          + " consumer rejoins after healing, and every acknowledged send is consumed")
  void consumerPartitioned() throws Exception {
    try (Proxied proxied = Proxied.start(dir);
        MessageQueue producing = queue(proxied.producers.address(), SEND_TIMEOUT);
        MessageQueue consuming = queue(proxied.consumers.address(), SEND_TIMEOUT)) {
      producing.admin().createTopic(TopicSpec.of(TOPIC, 4));

      PartitionScenario.Result result =
          PartitionScenario.run(
              producing,
              consuming,
              proxied.consumers,
              Duration.ofSeconds(10),
              TOPIC,
              GROUP,
              dir.resolve("ledger"));

      System.out.println("kafka, consumer partitioned 10 s: " + result);
      record("consumer partitioned 10 s (session 6 s)", result);
      assertThat(result.report().lost()).isEmpty();
      assertThat(result.report().acknowledged()).isEqualTo(result.issued());
      assertThat(result.failed()).isZero();
      assertThat(result.report().reordered()).isZero();
    }
  }

  private static void record(String scenario, PartitionScenario.Result result) {
    ReliabilityReport.record(
        "kafka",
        scenario + ": " + result.failed() + " sends failed",
        result.report(),
        Long.toString(result.recovery().toMillis()));
  }

  /**
   * A broker with a listener for producers and one for consumers, each behind a proxy it
   * advertises, so either side can be cut off alone.
   */
  private record Proxied(KafkaBrokerProcess broker, TcpProxy producers, TcpProxy consumers)
      implements AutoCloseable {
    static Proxied start(Path dir) throws Exception {
      int producersPort = KafkaBrokerProcess.freePort();
      int consumersPort = KafkaBrokerProcess.freePort();
      TcpProxy producers = TcpProxy.start(producersPort);
      TcpProxy consumers = TcpProxy.start(consumersPort);
      try {
        KafkaBrokerProcess broker =
            KafkaBrokerProcess.start(
                KafkaBrokerProcess.freePort(),
                Files.createDirectories(dir.resolve("broker")),
                List.of(
                    new KafkaBrokerProcess.ProxiedListener(
                        "PRODUCERS", producersPort, producers.port()),
                    new KafkaBrokerProcess.ProxiedListener(
                        "CONSUMERS", consumersPort, consumers.port())));
        return new Proxied(broker, producers, consumers);
      } catch (Exception e) {
        producers.close();
        consumers.close();
        throw e;
      }
    }

    @Override
    public void close() {
      producers.close();
      consumers.close();
      broker.close();
    }
  }
}
