package io.agentmq.agents;

import io.agentmq.api.MqConfig;
import io.agentmq.kafka.KafkaTestBroker;

/** On a real Kafka broker: {@code KAFKA_BOOTSTRAP_SERVERS}, a container, or one in this JVM. */
class KafkaPipelineTest extends PipelineEndToEndSuite {
  @Override
  protected MqConfig.Builder backend(MqConfig.Builder builder) {
    return KafkaTestBroker.configure(builder);
  }
}
