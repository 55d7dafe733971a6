package io.agentmq.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Replication factors default to the broker's own, and say so. */
class ReplicationSettingTest {

  @Test
  @DisplayName("leaves a topic's replication factor to the broker's default unless one is set")
  void brokerDefaultUnlessSet() {
    MqConfig config =
        MqConfig.builder()
            .set("topics.orders.in.replication_factor", "3")
            .set("topics.audit.in.partitions", "2")
            .build();
    assertThat(config.topic("orders.in").replicationFactor()).isEqualTo(3);
    assertThat(config.topic("audit.in").replicationFactor()).isEqualTo(TopicSpec.BROKER_DEFAULT);
    assertThat(config.topic("anything").replicationFactor()).isEqualTo(TopicSpec.BROKER_DEFAULT);
  }

  @Test
  @DisplayName("accepts 'default' for the broker's own and an explicit default for every topic")
  void explicitDefault() {
    MqConfig config =
        MqConfig.builder()
            .set(MqConfig.TOPIC_DEFAULT_REPLICATION_FACTOR, "2")
            .set("topics.orders.in.replication_factor", "default")
            .build();
    assertThat(config.topic("orders.in").replicationFactor()).isEqualTo(TopicSpec.BROKER_DEFAULT);
    assertThat(config.topic("other").replicationFactor()).isEqualTo(2);
  }

  @Test
  @DisplayName("refuses a replication factor of 0, naming what is accepted")
  void refusesZero() {
    assertThatThrownBy(
            () -> MqConfig.builder().set(MqConfig.TOPIC_DEFAULT_REPLICATION_FACTOR, "0").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(MqConfig.TOPIC_DEFAULT_REPLICATION_FACTOR)
        .hasMessageContaining("default (the broker's own) or an integer from 1 to 32767");
  }

  @Test
  @DisplayName("keeps the broker's default through Builder.topic(spec)")
  void builderTopicKeepsBrokerDefault() {
    MqConfig config = MqConfig.builder().topic(TopicSpec.of("orders.in", 8)).build();
    assertThat(config.topic("orders.in").partitions()).isEqualTo(8);
    assertThat(config.topic("orders.in").replicationFactor()).isEqualTo(TopicSpec.BROKER_DEFAULT);
  }
}
