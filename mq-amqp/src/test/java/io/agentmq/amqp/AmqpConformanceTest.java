package io.agentmq.amqp;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.Capabilities;
import io.agentmq.tck.Capabilities.Capability;
import io.agentmq.tck.MessageQueueConformanceSuite;
import org.junit.jupiter.api.DisplayName;

@DisplayName("amqp backend conformance")
class AmqpConformanceTest extends MessageQueueConformanceSuite {

  /**
   * RabbitMQ persists (durable queues, persistent messages, confirms), has groups, survives broker
   * restarts ({@link AmqpBrokerRestartTest}); order per key holds within a consumer. Declared
   * missing: exactly-once (RabbitMQ cannot make a publish and an ack atomic; the backend's
   * "effectively once" de-duplicates within a window, in one process), a new group reading history
   * (a group's queue gets what is published after it is declared), and partitions (a topic is one
   * exchange). Publish times are whole seconds (the AMQP {@code timestamp} property).
   */
  static final Capabilities RABBITMQ =
      Capabilities.all()
          .without(
              Capability.EXACTLY_ONCE,
              Capability.NEW_GROUP_READS_HISTORY,
              Capability.PARTITIONS,
              Capability.MILLISECOND_TIMESTAMPS);

  @Override
  protected Capabilities capabilities() {
    return RABBITMQ;
  }

  /** The broker outlives the test run: its exchanges and durable queues would pile up. */
  @Override
  protected boolean deletesTopicsAfterEachTest() {
    return true;
  }

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return AmqpTestBroker.configure(builder);
  }
}
