package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.tck.BrokerRestartScenario;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** RabbitMQ stops and starts again while messages flow. */
class AmqpBrokerRestartTest {
  private static void rabbitmqctl(String command) throws Exception {
    Process p =
        new ProcessBuilder("rabbitmqctl", command).redirectErrorStream(true).inheritIO().start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("rabbitmqctl " + command).isTrue();
    assertThat(p.exitValue()).as("rabbitmqctl " + command + " exit code").isZero();
  }

  private static boolean localBrokerControllable() {
    try {
      return System.getenv("AMQP_URL") == null
          && new ProcessBuilder("rabbitmqctl", "status").start().waitFor() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  @Timeout(600)
  @DisplayName(
      "consumes every confirmed message when RabbitMQ restarts while a producer and a"
          + " consumer run")
  void restartWhileFlowing() throws Exception {
    assumeTrue(
        localBrokerControllable(),
        "needs the local RabbitMQ and rabbitmqctl (AMQP_URL points elsewhere or rabbitmqctl is"
            + " missing)");
    String topic = "restart-" + UUID.randomUUID().toString().substring(0, 8);
    try (MessageQueue queue =
        MessageQueue.create(
            AmqpTestBroker.configure(MqConfig.builder())
                .set(MqConfig.SEND_TIMEOUT_MS, "120000")
                .build())) {
      BrokerRestartScenario.Result result =
          BrokerRestartScenario.run(
              queue,
              topic,
              12_000,
              () -> {
                rabbitmqctl("stop_app");
                rabbitmqctl("start_app");
              });

      System.out.println("rabbitmq restart: " + result);
      assertThat(result.acknowledgedBeforeRestart()).isLessThan(result.sent());
      assertThat(result.lost()).isEmpty();
    }
  }
}
