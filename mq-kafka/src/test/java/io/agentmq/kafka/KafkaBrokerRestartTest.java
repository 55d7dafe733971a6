package io.agentmq.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.TopicSpec;
import io.agentmq.tck.BrokerRestartScenario;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The broker goes away and comes back while messages flow. */
class KafkaBrokerRestartTest {

  @Test
  @Timeout(600)
  @DisplayName(
      "consumes every acknowledged send when the broker restarts while a producer and a"
          + " consumer run")
  void restartWhileFlowing() throws Exception {
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start();
        MessageQueue queue =
            MessageQueue.create(
                MqConfig.builder()
                    .brokerType("kafka")
                    .set("kafka.bootstrap_servers", broker.bootstrapServers())
                    .set("kafka.linger_ms", "1")
                    .set(MqConfig.SEND_TIMEOUT_MS, "120000")
                    .build())) {
      queue.admin().createTopic(TopicSpec.of("restart", 4));

      BrokerRestartScenario.Result result =
          BrokerRestartScenario.run(
              queue,
              "restart",
              20_000,
              () -> {
                broker.stop();
                Thread.sleep(1_000);
                broker.startAgain();
              });

      System.out.println("broker restart: " + result);
      assertThat(result.acknowledgedBeforeRestart()).isLessThan(result.sent());
      assertThat(result.lost()).isEmpty();
    }
  }
}
