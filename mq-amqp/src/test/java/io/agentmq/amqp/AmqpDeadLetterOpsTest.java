package io.agentmq.amqp;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.DeadLetterOpsContract;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;

@DisplayName("amqp dead-letter operations")
class AmqpDeadLetterOpsTest extends DeadLetterOpsContract {
  /** The broker outlives the test run: its exchanges and queues would pile up. */
  @Override
  protected boolean deletesTopicsAfterEachTest() {
    return true;
  }

  @Override
  protected Map<String, String> processSettings() {
    return Map.of("broker_type", "amqp", "amqp.url", AmqpTestBroker.url());
  }

  /** Killed between a replay's confirm and its acknowledgement, one message goes twice. */
  @Override
  protected int repeatsAfterKill() {
    return 1;
  }

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return AmqpTestBroker.configure(builder);
  }
}
