package io.agentmq.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MqConfigTest {
  @TempDir Path dir;

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  @Nested
  @DisplayName("defaults")
  class Defaults {
    @Test
    @DisplayName("has a value for every setting")
    void defaults() {
      MqConfig c = MqConfig.defaults();

      assertThat(c.brokerType()).isEqualTo("memory");
      assertThat(c.deliveryMode()).isEqualTo(DeliveryMode.AT_LEAST_ONCE);
      assertThat(c.retryPolicy()).isEqualTo(RetryPolicy.DEFAULT);
      assertThat(c.deadLetterPolicy().enabled()).isTrue();
      assertThat(c.sendTimeout()).isEqualTo(Duration.ofSeconds(30));
      assertThat(c.maxMessageBytes()).isEqualTo(1_048_576);
      assertThat(c.consumerConcurrency()).isEqualTo(1);
      assertThat(c.startFrom()).isEqualTo(StartPosition.EARLIEST);
      assertThat(c.topic("plan.in"))
          .isEqualTo(new TopicSpec("plan.in", 4, TopicSpec.BROKER_DEFAULT, Optional.empty()));
      assertThat(c.declaredGroups()).isEmpty();
    }
  }

  @Nested
  @DisplayName("precedence: defaults < file < environment < overrides")
  class Precedence {
    @Test
    @DisplayName(
        "lets a YAML file override defaults, the environment the file, and code the"
            + " environment")
    void layers() throws IOException {
      Path file =
          write(
              "mq.yaml",
              """
              broker_type: kafka
              max_retries: 7
              delivery_mode: at_most_once
              enable_dead_letter: false
              retry:
                initial_backoff_ms: 20
              """);

      MqConfig c =
          MqConfig.builder()
              .environment(
                  Map.of(
                      "MQ_CONFIG", file.toString(),
                      "MQ_MAX_RETRIES", "9",
                      "MQ_DELIVERY_MODE", "exactly_once"))
              .deliveryMode(DeliveryMode.AT_LEAST_ONCE)
              .build();

      assertThat(c.brokerType()).isEqualTo("kafka");
      assertThat(c.sourceOf("broker_type")).isEqualTo("file " + file);
      assertThat(c.retryPolicy().maxRetries()).isEqualTo(9);
      assertThat(c.sourceOf("max_retries")).isEqualTo("environment variable MQ_MAX_RETRIES");
      assertThat(c.deliveryMode()).isEqualTo(DeliveryMode.AT_LEAST_ONCE);
      assertThat(c.sourceOf("delivery_mode")).isEqualTo("override");
      assertThat(c.deadLetterPolicy().enabled()).isFalse();
      assertThat(c.retryPolicy().initialBackoff()).isEqualTo(Duration.ofMillis(20));
    }

    @Test
    @DisplayName(
        "reads JSON files, per-topic settings with dotted topic names, and declared groups")
    void json() throws IOException {
      Path file =
          write(
              "mq.json",
              """
              {"topics": {"plan.in": {"partitions": 6, "retention_ms": 60000,
                                      "groups": "planners, auditors"}},
               "topic_defaults": {"partitions": 2}}
              """);

      MqConfig c = MqConfig.builder().file(file).build();

      assertThat(c.topic("plan.in"))
          .isEqualTo(
              new TopicSpec(
                  "plan.in", 6, TopicSpec.BROKER_DEFAULT, Optional.of(Duration.ofMinutes(1))));
      assertThat(c.topic("other").partitions()).isEqualTo(2);
      assertThat(c.declaredGroups())
          .containsExactly(Map.entry("plan.in", List.of("planners", "auditors")));
    }

    @Test
    @DisplayName("maps MQ_<SECTION>_<KEY> to section.key, and a registered alias to its key")
    void environmentVariables() {
      MqConfig c =
          MqConfig.builder()
              .section("kafka")
              .section("myapp")
              .alias("MYAPP_LISTEN", "myapp.http.listen")
              .environment(
                  Map.of(
                      "MQ_BROKER_TYPE", "amqp",
                      "MQ_ENABLE_DEAD_LETTER", "false",
                      "MQ_RETRY_INITIAL_BACKOFF_MS", "75",
                      "MQ_TOPIC_DEFAULTS_PARTITIONS", "3",
                      "MQ_KAFKA_BOOTSTRAP_SERVERS", "k1:9092",
                      "MQ_MYAPP_CODING__BUILD_COMMAND", "make",
                      "MYAPP_LISTEN", "127.0.0.1:8080",
                      "HOME", "/root"))
              .build();

      assertThat(c.brokerType()).isEqualTo("amqp");
      assertThat(c.deadLetterPolicy().enabled()).isFalse();
      assertThat(c.retryPolicy().initialBackoff()).isEqualTo(Duration.ofMillis(75));
      assertThat(c.topic("any").partitions()).isEqualTo(3);
      assertThat(c.section("kafka").string("bootstrap_servers")).contains("k1:9092");
      assertThat(c.section("myapp").string("coding.build_command")).contains("make");
      assertThat(c.section("myapp").string("http.listen")).contains("127.0.0.1:8080");
      assertThat(c.sourceOf("myapp.http.listen")).isEqualTo("environment variable MYAPP_LISTEN");
    }

    @Test
    @DisplayName("names the generic variable of any key")
    void variableNames() {
      assertThat(ConfigEnvironment.variableOf("retry.initial_backoff_ms"))
          .isEqualTo("MQ_RETRY_INITIAL_BACKOFF_MS");
      assertThat(ConfigEnvironment.variableOf("myapp.http.port")).isEqualTo("MQ_MYAPP_HTTP__PORT");
      assertThat(ConfigEnvironment.keyOf("MQ_MYAPP_HTTP__PORT", List.of("myapp")))
          .isEqualTo("myapp.http.port");
    }
  }

  @Nested
  @DisplayName("validation")
  class Validation {
    @Test
    @DisplayName("names the key, source, value and accepted values of every bad setting at once")
    void badValues() {
      assertThatThrownBy(
              () ->
                  MqConfig.builder()
                      .environment(Map.of("MQ_MAX_RETRIES", "lots", "MQ_ENABLE_DEAD_LETTER", "yes"))
                      .set("retry.jitter", "2")
                      .build())
          .isInstanceOf(ConfigException.class)
          .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(3))
          .hasMessageContaining(
              "'max_retries' = 'lots' (environment variable MQ_MAX_RETRIES) is not accepted;"
                  + " expected an integer from 0 to 1000000")
          .hasMessageContaining("'enable_dead_letter' = 'yes'")
          .hasMessageContaining("expected true or false")
          .hasMessageContaining("'retry.jitter' = '2' (override)")
          .hasMessageContaining("a number from 0.0 to 1.0");
    }

    @Test
    @DisplayName("rejects an unknown key, listing the accepted ones")
    void unknownKey() throws IOException {
      Path file = write("typo.yml", "max_retry: 3\n");

      assertThatThrownBy(() -> MqConfig.builder().file(file).build())
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("unknown key 'max_retry' (file " + file + ")")
          .hasMessageContaining("max_retries");
    }

    @Test
    @DisplayName("rejects an unknown per-topic setting and a bad group name")
    void badTopicAndGroup() {
      assertThatThrownBy(
              () ->
                  MqConfig.builder()
                      .set("topics.plan.in.partitons", "3")
                      .set("topics.plan.in.partitions", "0")
                      .declareGroups("plan.in", List.of("has space"))
                      .build())
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("unknown key 'topics.plan.in.partitons'")
          .hasMessageContaining("'topics.plan.in.partitions' = '0'")
          .hasMessageContaining("'topics.plan.in.groups' = 'has space'");
    }

    @Test
    @DisplayName(
        "rejects a section no installed backend nor the application owns, listing those that are")
    void unknownSection() {
      assertThatThrownBy(
              () -> MqConfig.builder().section("agents").set("nats.url", "nats://x").build())
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("unknown key 'nats.url' (override)")
          .hasMessageContaining("agents.*");
    }

    @Test
    @DisplayName("rejects a retry ceiling below the initial backoff")
    void backoffOrder() {
      assertThatThrownBy(
              () ->
                  MqConfig.builder()
                      .retryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1))
                      .build())
          .hasMessageContaining("expected max >= initial");
    }

    @Test
    @DisplayName("rejects a file that is not YAML or JSON, and one that does not parse")
    void badFiles() throws IOException {
      Path txt = write("mq.txt", "a: 1");
      Path broken = write("broken.yaml", "a: [1, 2\n");

      assertThatThrownBy(() -> MqConfig.builder().file(txt).build())
          .hasMessageContaining("must end in .yaml, .yml or .json");
      assertThatThrownBy(() -> MqConfig.builder().file(broken).build())
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("cannot read configuration file '" + broken + "'");
      assertThatThrownBy(() -> MqConfig.builder().file(dir.resolve("missing.yaml")).build())
          .hasMessageContaining("NoSuchFileException");
    }
  }

  @Nested
  @DisplayName("secrets")
  class Secrets {
    @Test
    @DisplayName("never shows passwords in toString, even inside URLs")
    void toStringRedacts() {
      MqConfig c =
          MqConfig.builder()
              .section("kafka")
              .section("amqp")
              .environment(Map.of("MQ_AMQP_URL", "amqp://agent:s3cr3t-pw@rabbit:5672/vhost"))
              .set("kafka.sasl.jaas.config", "PlainLoginModule password=\"hunter2\"")
              .set("amqp.password", "hunter3")
              .build();

      String printed = c.toString();
      assertThat(printed).doesNotContain("s3cr3t-pw", "hunter2", "hunter3");
      assertThat(printed).contains("amqp://agent:****@rabbit:5672/vhost");
    }

    @Test
    @DisplayName("never shows a secret's value in a validation error")
    void errorsRedact() {
      MqConfig c = MqConfig.builder().section("amqp").set("amqp.password", "hunter2").build();
      ConfigSection section = c.section("amqp");

      section.integer("password", 0, 0, 10);

      assertThatThrownBy(section::throwIfInvalid)
          .hasMessageContaining("'amqp.password' = (redacted)")
          .hasMessageNotContaining("hunter2");
    }
  }
}
