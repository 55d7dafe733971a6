package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.rabbitmq.client.Address;
import io.agentmq.api.ConfigException;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The nodes of a cluster named in {@code amqp.addresses} or as several URLs in {@code amqp.url}
 * ({@code AMQP_URL}): parsed strictly, never printed with the password.
 */
class AmqpAddressesTest {
  private static final String PASSWORD = "s3cr3t%40pw";

  private static AmqpConfig config(String url, String addresses) {
    MqConfig.Builder builder = MqConfig.builder().brokerType("amqp").set("amqp.url", url);
    if (addresses != null) {
      builder.set("amqp.addresses", addresses);
    }
    return new AmqpConfig(builder.build());
  }

  @Test
  @DisplayName("one URL is one node, printed as before")
  void singleUrl() {
    AmqpConfig config = config("amqp://agent:" + PASSWORD + "@rabbit:5673/prod", null);

    assertThat(config.addresses).containsExactly(new Address("rabbit", 5673));
    assertThat(config.where()).isEqualTo("amqp://agent:****@rabbit:5673/prod");
  }

  @Test
  @DisplayName(
      "amqp.addresses names the nodes, with the scheme's port where none is given; user,"
          + " password and virtual host come from amqp.url")
  void addressList() {
    AmqpConfig config =
        config("amqp://agent:" + PASSWORD + "@ignored/prod", "rabbit1:5672, rabbit2 ,[::1]:5674");

    assertThat(config.addresses)
        .containsExactly(
            new Address("rabbit1", 5672), new Address("rabbit2", 5672), new Address("[::1]", 5674));
    assertThat(config.credentials()).containsExactly("agent", "s3cr3t@pw");
    assertThat(config.virtualHost()).isEqualTo("prod");
    assertThat(config.where())
        .isEqualTo("amqp://agent:****@rabbit1:5672,rabbit2:5672,[::1]:5674/prod")
        .doesNotContain("s3cr3t");
    assertThat(config.managementUrl.toString()).isEqualTo("http://rabbit1:15672");
  }

  @Test
  @DisplayName("with amqps://, a node without a port is reached on 5671")
  void tlsDefaultPort() {
    AmqpConfig config = config("amqps://agent:" + PASSWORD + "@rabbit1", "rabbit1,rabbit2:5676");

    assertThat(config.addresses)
        .containsExactly(new Address("rabbit1", 5671), new Address("rabbit2", 5676));
  }

  @Test
  @DisplayName("AMQP_URL may hold several URLs separated by commas, one per node")
  void severalUrlsInEnvironment() {
    MqConfig common =
        MqConfig.builder()
            .environment(
                Map.of(
                    "MQ_BROKER_TYPE",
                    "amqp",
                    "AMQP_URL",
                    "amqp://agent:"
                        + PASSWORD
                        + "@rabbit1:5672/prod, amqp://agent:"
                        + PASSWORD
                        + "@rabbit2:5673/prod,amqp://agent:"
                        + PASSWORD
                        + "@rabbit3/prod"))
            .build();

    AmqpConfig config = new AmqpConfig(common);

    assertThat(config.addresses)
        .containsExactly(
            new Address("rabbit1", 5672),
            new Address("rabbit2", 5673),
            new Address("rabbit3", 5672));
    assertThat(config.credentials()).containsExactly("agent", "s3cr3t@pw");
    assertThat(config.where())
        .isEqualTo("amqp://agent:****@rabbit1:5672,rabbit2:5673,rabbit3:5672/prod");
  }

  @Test
  @DisplayName("a comma inside a password does not split the URL")
  void commaInPassword() {
    AmqpConfig config = config("amqp://agent:pw,amqp@rabbit1:5672/prod", null);

    assertThat(config.addresses).containsExactly(new Address("rabbit1", 5672));
    assertThat(config.credentials()).containsExactly("agent", "pw,amqp");
  }

  @ParameterizedTest(name = "amqp.addresses = \"{0}\"")
  @ValueSource(
      strings = {
        "rabbit1,,rabbit2",
        " , ",
        "rabbit1:0",
        "rabbit1:70000",
        "rabbit1:abc",
        "rabbit1:",
        "amqp://rabbit1:5672",
        "agent:s3cr3t@rabbit1:5672",
        "rabbit1:5672/prod",
        "rabbit1:5672,rabbit1:5672",
        "rab bit1"
      })
  @DisplayName("a bad address list is refused, naming the entry and the accepted form")
  void badAddressList(String addresses) {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () -> config("amqp://agent:" + PASSWORD + "@rabbit1/prod", addresses));

    assertThat(e.getMessage())
        .contains("'amqp.addresses' = ")
        .contains("host[:port] of each node, separated by commas")
        .containsPattern("entry \\d+ (is empty|\\(.*\\) is not one|repeats)")
        .doesNotContain("s3cr3t");
  }

  @Test
  @DisplayName(
      "several URLs that differ in user, password or virtual host are refused, saying what"
          + " differs without printing it")
  void urlsDiffer() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                config(
                    "amqp://agent:" + PASSWORD + "@rabbit1/prod,amqp://agent:other@rabbit2/test",
                    null));

    assertThat(e.getMessage())
        .contains("lists 2 URLs whose user or password, virtual host differ")
        .contains("amqp.addresses=host1:5672,host2:5672")
        .doesNotContain("s3cr3t", "other@");
  }

  @Test
  @DisplayName("a list of URLs with one that is not a URL is refused, naming both forms")
  void badUrlInList() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () -> config("amqp://agent:" + PASSWORD + "@rabbit1/prod,rabbit2:5672", null));

    assertThat(e.getMessage())
        .contains("'amqp.url' = ")
        .contains("whole URLs separated by commas")
        .doesNotContain("s3cr3t");
  }

  @Test
  @DisplayName("amqp.addresses and several URLs together are refused: one of them names the nodes")
  void bothForms() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                config(
                    "amqp://agent:"
                        + PASSWORD
                        + "@rabbit1/prod,amqp://agent:"
                        + PASSWORD
                        + "@rabbit2/prod",
                    "rabbit1,rabbit2"));

    assertThat(e.getMessage())
        .contains("both name the nodes to connect to")
        .doesNotContain("s3cr3t");
  }

  @Test
  @DisplayName("when no node of the list answers, the error names them all without the password")
  void noNodeAnswers() {
    int[] closed = {RabbitNodeProcess.freePort(), RabbitNodeProcess.freePort()};
    MqConfig common =
        MqConfig.builder()
            .brokerType("amqp")
            .set("amqp.url", "amqp://agent:" + PASSWORD + "@127.0.0.1/prod")
            .set("amqp.addresses", "127.0.0.1:" + closed[0] + ",127.0.0.1:" + closed[1])
            .build();

    MessagingException e =
        catchThrowableOfType(MessagingException.class, () -> MessageQueue.create(common));

    assertThat(e.getMessage())
        .contains(
            "cannot connect to RabbitMQ at amqp://agent:****@127.0.0.1:"
                + closed[0]
                + ",127.0.0.1:"
                + closed[1]
                + "/prod (any of its nodes;")
        .doesNotContain("s3cr3t");
    assertThat(e.isRetriable()).isTrue();
  }
}
