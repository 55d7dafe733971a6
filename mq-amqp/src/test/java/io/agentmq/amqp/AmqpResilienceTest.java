package io.agentmq.amqp;

import io.agentmq.api.MqConfig;
import io.agentmq.resilience.ResilienceContract;
import org.junit.jupiter.api.DisplayName;

@DisplayName("amqp circuit breaker and rate limits")
class AmqpResilienceTest extends ResilienceContract {
  /** The broker outlives the test run: its exchanges and queues would pile up. */
  @Override
  protected boolean deletesTopicsAfterEachTest() {
    return true;
  }

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return AmqpTestBroker.configure(builder);
  }
}
