package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.agentmq.api.ConfigException;
import io.agentmq.api.Health;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code amqp.url} parsed strictly, never printed with its password; inbound bodies bounded. */
class AmqpConfigSecurityTest {
  static final String SECRET = "s3cr3t/with@odd:chars";

  private static MqConfig amqp(String url) {
    return MqConfig.builder().brokerType("amqp").set("amqp.url", url).build();
  }

  /** The exception as a log would print it: messages and causes. */
  private static String printed(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  @Test
  @DisplayName("refuses a URL whose raw '@' in the password hides the host, asking for %40")
  void rawAtRefused() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () -> MessageQueue.create(amqp("amqp://agent:p@ss@remote.example:5672")));

    assertThat(e.getMessage())
        .contains("'amqp.url' = 'amqp://****@remote.example:5672' (override) is not accepted")
        .contains("'%40' for '@'");
    assertThat(printed(e)).doesNotContain("p@ss", "ss@remote", "guest");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "amqp://agent:" + SECRET + "@rabbit:5672/prod",
        "amqps://agent:" + SECRET + "^x@rabbit:5671/prod",
        "ampq://agent:" + SECRET + "@rabbit:5672",
        "amqp://agent:s3cr3t?x@rabbit:5672",
        "amqp://agent:s3cr3t#x@rabbit:5672",
        "amqp://agent:5672/s3cr3t@rabbit"
      })
  @DisplayName("refuses an invalid URL without printing any part of its password")
  void invalidUrlRedacted(String url) {
    ConfigException e =
        catchThrowableOfType(ConfigException.class, () -> MessageQueue.create(amqp(url)));

    assertThat(e.getMessage()).contains("'amqp.url' = '").contains("percent-encoded");
    assertThat(printed(e)).doesNotContain("s3cr3t", "odd:chars");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"amqp://agent:@127.0.0.1:5672", "amqp://agent@127.0.0.1:5672"})
  @DisplayName("refuses a user without a password with a clear error, not a garbled one")
  void emptyPassword(String url) {
    ConfigException e =
        catchThrowableOfType(ConfigException.class, () -> MessageQueue.create(amqp(url)));

    assertThat(e.getMessage())
        .contains("'amqp.url' = 'amqp://agent")
        .contains("RabbitMQ refuses an empty or missing password")
        .doesNotContain("****C");
  }

  @Test
  @DisplayName("splits user-info at the first ':' and percent-decodes user and password")
  void percentEncodedCredentials() {
    AmqpConfig config =
        new AmqpConfig(amqp("amqp://ag%3Aent:s3cr3t%2Fwith%40odd%3Achars+x@rabbit:5672/v%2Fh"));

    assertThat(config.credentials()).containsExactly("ag:ent", SECRET + "+x");
    assertThat(config.virtualHost()).isEqualTo("v/h");
    assertThat(config.where()).isEqualTo("amqp://ag%3Aent:****@rabbit:5672/v%2Fh");
  }

  @Test
  @DisplayName("connects where the URL says, and a failed connection names it without the password")
  void connectErrorRedacted() {
    MqConfig config = amqp("amqp://agent:s3cr3t%2Fwith%40odd%3Achars@127.0.0.1:1/prod");

    MessagingException e =
        catchThrowableOfType(MessagingException.class, () -> MessageQueue.create(config));

    assertThat(e.getMessage())
        .contains("cannot connect to RabbitMQ at amqp://agent:****@127.0.0.1:1/prod");
    assertThat(printed(e)).doesNotContain("s3cr3t", "odd");
    assertThat(config.toString()).doesNotContain("s3cr3t");
  }

  @Test
  @DisplayName("health names the broker the connection actually reached")
  void healthNamesConnectedHost() {
    try (MessageQueue queue = MessageQueue.create(amqp(AmqpTestBroker.url()))) {
      AmqpMessageQueue amqp = (AmqpMessageQueue) queue;
      String host = amqp.amqpConfig().url.getHost();
      Health health = queue.health();

      assertThat(health.isUp()).isTrue();
      assertThat(health.details().get("broker").toString()).contains("@" + host);
      assertThat(health.details().get("connectedTo").toString())
          .isEqualTo(
              amqp.consumingConnection().getAddress().getHostAddress()
                  + ":"
                  + amqp.consumingConnection().getPort());
    }
  }

  @Test
  @DisplayName(
      "an inbound body over producer.max_message_bytes is never handled: it stays queued and"
          + " health says why")
  void oversizeInboundBody() throws Exception {
    String topic = "amqp-big-" + UUID.randomUUID().toString().substring(0, 8);
    String group = "g";
    List<Integer> handled = new CopyOnWriteArrayList<>();
    MqConfig config =
        AmqpTestBroker.configure(MqConfig.builder())
            .set("producer.max_message_bytes", "1024")
            .build();
    ConnectionFactory raw = new ConnectionFactory();
    raw.setUri(AmqpTestBroker.url());
    try (Connection connection = raw.newConnection();
        Channel channel = connection.createChannel()) {
      try (MessageQueue queue = MessageQueue.create(config)) {
        queue.subscribe(topic, group, d -> handled.add(d.message().payload().length));
        queue.createProducer().sendAndWait(topic, Message.of(new byte[100]));
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(100));

        channel.basicPublish("", topic + "." + group, null, new byte[4096]);

        await()
            .atMost(Duration.ofSeconds(15))
            .untilAsserted(
                () ->
                    assertThat(String.valueOf(queue.health().details().get("reason")))
                        .contains("over producer.max_message_bytes = 1024 bytes"));
        assertThat(queue.health().isUp()).isFalse();
        assertThat(handled).containsExactly(100);
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> channel.messageCount(topic + "." + group) == 1);
      var left = channel.basicGet(topic + "." + group, true);
      assertThat(left.getBody()).hasSize(4096);
      channel.queueDelete(topic + "." + group);
      channel.exchangeDelete(topic);
    }
  }
}
