package io.agentmq.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.agentmq.api.ConfigException;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.StartPosition;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code kafka.client.*} cannot void AgentMQ's guarantees; its secrets are never printed. */
class KafkaConfigSecurityTest {
  static final String SECRET = "s3cr3t/with@odd:chars";

  private static MqConfig.Builder kafka() {
    return MqConfig.builder().brokerType("kafka").set("kafka.bootstrap_servers", "127.0.0.1:9092");
  }

  private static String printed(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  @ParameterizedTest(name = "kafka.client.{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "enable.auto.commit | true | AgentMQ commits offsets itself",
        "group.id | shared | the group comes from Subscription.group(..)",
        "isolation.level | read_uncommitted | always read read_committed",
        "transactional.id | tx-1 | set delivery_mode=exactly_once",
        "enable.idempotence | false | set kafka.acks",
        "acks | 1 | set kafka.acks",
        "key.serializer | x.Ser | encode payloads with a codec",
        "value.deserializer | x.De | encode payloads with a codec",
        "auto.offset.reset | none | set consumer.start_from",
        "bootstrap.servers | other:9092 | set kafka.bootstrap_servers",
        "max.request.size | 99999999 | set producer.max_message_bytes",
        "linger.ms | 50 | set kafka.linger_ms"
      })
  @DisplayName("refuses a reserved client property, naming the AgentMQ setting to use instead")
  void reserved(String property, String value, String instead) {
    MqConfig config = kafka().set("kafka.client." + property, value).build();

    ConfigException e =
        catchThrowableOfType(ConfigException.class, () -> MessageQueue.create(config));

    assertThat(e.getMessage())
        .contains("'kafka.client." + property + "' (override) is reserved")
        .contains(instead);
  }

  @Test
  @DisplayName("names the environment variable a reserved property came from")
  void reservedFromEnvironment() {
    MqConfig config =
        MqConfig.builder()
            .environment(
                java.util.Map.of(
                    "MQ_BROKER_TYPE", "kafka",
                    "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092",
                    "MQ_KAFKA_CLIENT__ENABLE__AUTO__COMMIT", "true"))
            .build();

    assertThat(catchThrowableOfType(ConfigException.class, () -> MessageQueue.create(config)))
        .hasMessageContaining(
            "'kafka.client.enable.auto.commit' (environment variable"
                + " MQ_KAFKA_CLIENT__ENABLE__AUTO__COMMIT) is reserved");
  }

  @Test
  @DisplayName("passes other client properties through, after AgentMQ's own")
  void passThrough() {
    KafkaConfig config =
        new KafkaConfig(
            kafka()
                .set("kafka.client.security.protocol", "SASL_SSL")
                .set("kafka.client.fetch.max.wait.ms", "50")
                .build());

    assertThat(config.consumerProperties("g", StartPosition.EARLIEST))
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("fetch.max.wait.ms", "50")
        .containsEntry("group.id", "g")
        .containsEntry("enable.auto.commit", false)
        .containsEntry("isolation.level", "read_committed");
    assertThat(config.producerProperties()).containsEntry("enable.idempotence", true);
  }

  @Test
  @DisplayName("never prints secret client properties, in toString or in the config's")
  void secretsRedacted() {
    MqConfig common =
        kafka()
            .set("kafka.client.sasl.jaas.config", "PlainLoginModule password=\"" + SECRET + "\";")
            .set("kafka.client.ssl.truststore.password", SECRET)
            .set("kafka.client.ssl.keystore.key", SECRET)
            .build();

    assertThat(new KafkaConfig(common).toString())
        .doesNotContain("s3cr3t", "odd:chars")
        .contains("sasl.jaas.config=****");
    assertThat(common.toString()).doesNotContain("s3cr3t", "odd:chars");
  }

  @Test
  @DisplayName("refuses bootstrap servers with user-info, without printing the password")
  void bootstrapUserInfo() {
    MqConfig config =
        MqConfig.builder()
            .brokerType("kafka")
            .set("kafka.bootstrap_servers", "agent:" + SECRET + "@k1:9092")
            .build();

    ConfigException e =
        catchThrowableOfType(ConfigException.class, () -> MessageQueue.create(config));

    assertThat(e.getMessage()).contains("'kafka.bootstrap_servers' = '****'");
    assertThat(printed(e)).doesNotContain("s3cr3t", "odd:chars");
  }

  @Test
  @DisplayName(
      "bounds a partition's queue in bytes: 16 MiB unless kafka.max_queued_bytes_per_partition says")
  void queuedBytesBound() {
    assertThat(new KafkaConfig(kafka().build()).maxQueuedBytesPerPartition).isEqualTo(16L << 20);
    assertThat(
            new KafkaConfig(kafka().set("kafka.max_queued_bytes_per_partition", "65536").build())
                .maxQueuedBytesPerPartition)
        .isEqualTo(65536);
    assertThat(
            catchThrowableOfType(
                ConfigException.class,
                () ->
                    new KafkaConfig(
                        kafka().set("kafka.max_queued_bytes_per_partition", "0").build())))
        .hasMessageContaining("'kafka.max_queued_bytes_per_partition' = '0'");
  }
}
