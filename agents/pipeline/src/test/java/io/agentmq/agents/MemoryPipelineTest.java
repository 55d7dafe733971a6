package io.agentmq.agents;

import io.agentmq.api.MqConfig;

class MemoryPipelineTest extends PipelineEndToEndSuite {
  @Override
  protected MqConfig.Builder backend(MqConfig.Builder builder) {
    return builder.brokerType("memory");
  }
}
