package io.agentmq.memory;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.DeadLetterOpsContract;
import org.junit.jupiter.api.DisplayName;

@DisplayName("memory dead-letter operations")
class MemoryDeadLetterOpsTest extends DeadLetterOpsContract {
  // processSettings() stays empty: the broker is this process's memory, so no kill test.

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder.brokerType("memory");
  }
}
