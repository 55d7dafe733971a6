package io.agentmq.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.TopicSpec;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The durability settings of the topics AgentMQ creates on Kafka. */
class KafkaDurableTopicsTest {

  @Test
  @DisplayName("sets min.insync.replicas to a majority from three copies on, 1 below")
  void minInSyncFollowsReplication() {
    assertThat(KafkaAdmin.minInSync(1)).isEqualTo(1);
    assertThat(KafkaAdmin.minInSync(2)).isEqualTo(1);
    assertThat(KafkaAdmin.minInSync(3)).isEqualTo(2);
    assertThat(KafkaAdmin.minInSync(4)).isEqualTo(3);
    assertThat(KafkaAdmin.minInSync(5)).isEqualTo(3);
  }

  @Test
  @DisplayName(
      "creates a topic with the broker's default replication factor and the min.insync.replicas"
          + " that follows from it, its dead-letter topic alike")
  void brokerDefaultReplication() throws Exception {
    String topic = "durable-" + UUID.randomUUID().toString().substring(0, 8);
    try (MessageQueue queue =
            MessageQueue.create(KafkaTestBroker.configure(MqConfig.builder()).build());
        Admin raw =
            Admin.create(
                Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    KafkaTestBroker.bootstrapServers()))) {
      assertThat(queue.admin().createTopic(TopicSpec.of(topic, 2))).isTrue();

      // The test broker is a single node: its default.replication.factor is 1.
      assertThat(queue.admin().describeTopic(topic).orElseThrow().replicationFactor()).isEqualTo(1);
      for (String name : List.of(topic, topic + ".deadletter")) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, name);
        String minInSync =
            raw.describeConfigs(List.of(resource))
                .all()
                .get()
                .get(resource)
                .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG)
                .value();
        assertThat(minInSync).as(name).isEqualTo("1");
      }
    }
  }
}
