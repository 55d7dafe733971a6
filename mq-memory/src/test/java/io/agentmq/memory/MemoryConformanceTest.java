package io.agentmq.memory;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.Capabilities;
import io.agentmq.tck.MessageQueueConformanceSuite;
import org.junit.jupiter.api.DisplayName;

@DisplayName("memory backend conformance")
class MemoryConformanceTest extends MessageQueueConformanceSuite {

  /** A real broker in the JVM: every capability the suite checks but pipelined async handlers. */
  @Override
  protected Capabilities capabilities() {
    // An async handler gets one delivery of a partition at a time: maxInFlight is not pipelined.
    return Capabilities.all().without(Capabilities.Capability.PIPELINED_ASYNC_HANDLERS);
  }

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder.brokerType("memory");
  }
}
