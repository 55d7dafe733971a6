package io.agentmq.amqp;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.TestServices;

/**
 * The RabbitMQ the tests use: {@code AMQP_URL} when set, else the local one (guest/guest), started
 * when installed and not running, else a container where Docker is available ({@link
 * TestServices#amqpUrl}), with the management API's address that goes with it.
 */
public final class AmqpTestBroker {
  private AmqpTestBroker() {}

  public static String url() {
    return TestServices.amqpUrl();
  }

  /** {@code builder} on the amqp backend and {@link #url()}'s broker, its management API too. */
  public static MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder
        .brokerType("amqp")
        .set("amqp.url", url())
        .set("amqp.management_url", managementUrl());
  }

  /** The management API of {@link #url()}'s broker (a container maps it to another port). */
  public static String managementUrl() {
    return TestServices.amqpManagementUrl();
  }
}
