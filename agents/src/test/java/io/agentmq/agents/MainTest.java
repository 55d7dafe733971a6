package io.agentmq.agents;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.MqConfig;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MainTest {

  @Test
  @DisplayName("runs the example pipeline to completion on the backend MQ_BROKER_TYPE names")
  void examplePipelineCompletesOnMemory() throws Exception {
    MqConfig config = MqConfig.builder().environment(Map.of("MQ_BROKER_TYPE", "memory")).build();

    assertThat(Main.run(config, "Change\n- one\n- two\n- three\n- four", 4)).isTrue();
  }
}
