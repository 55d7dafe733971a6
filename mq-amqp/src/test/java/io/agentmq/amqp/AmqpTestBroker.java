package io.agentmq.amqp;

import io.agentmq.tck.TestServices;

/**
 * The RabbitMQ the tests use: {@code AMQP_URL} when set, else the local one (guest/guest), started
 * when installed and not running ({@link TestServices#amqpUrl}).
 */
public final class AmqpTestBroker {
  private AmqpTestBroker() {}

  public static String url() {
    return TestServices.amqpUrl();
  }
}
