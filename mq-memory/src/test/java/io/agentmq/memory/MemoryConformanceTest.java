package io.agentmq.memory;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.Capabilities;
import io.agentmq.tck.MessageQueueConformanceSuite;
import org.junit.jupiter.api.DisplayName;

@DisplayName("memory backend conformance")
class MemoryConformanceTest extends MessageQueueConformanceSuite {

  /** A real broker in the JVM: it has every capability the suite checks. */
  @Override
  protected Capabilities capabilities() {
    return Capabilities.all();
  }

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder.brokerType("memory");
  }
}
