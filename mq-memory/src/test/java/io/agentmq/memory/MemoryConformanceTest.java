package io.agentmq.memory;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.Capabilities;
import io.agentmq.tck.MessageQueueConformanceSuite;
import org.junit.jupiter.api.DisplayName;

@DisplayName("memory backend conformance")
class MemoryConformanceTest extends MessageQueueConformanceSuite {

  /** In-process: nothing survives the JVM, and there is no broker process to restart. */
  @Override
  protected Capabilities capabilities() {
    return Capabilities.all().withoutPersistence().withoutBrokerRestart();
  }

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder.brokerType("memory");
  }
}
