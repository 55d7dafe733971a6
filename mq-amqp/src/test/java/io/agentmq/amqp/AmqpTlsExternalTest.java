package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Certificate login (SASL EXTERNAL) against a test-owned RabbitMQ node that requires a client
 * certificate on its TLS listener and logs in the user named by the certificate's common name.
 */
@DisplayName("amqps with a client certificate and SASL EXTERNAL")
class AmqpTlsExternalTest {
  private static TestCertificates certs;
  private static RabbitNodeProcess node;
  private static int tlsPort;

  @BeforeAll
  static void startNode() throws Exception {
    assumeTrue(RabbitNodeProcess.installed(), "rabbitmq-server is not installed");
    certs = TestCertificates.generate();
    tlsPort = RabbitNodeProcess.freePort();
    TestCertificates.Pair server = certs.server();
    node =
        RabbitNodeProcess.start(
            RabbitNodeProcess.Settings.defaults()
                .withTls(tlsPort, certs.caCertificate(), server.certificate(), server.key(), true)
                .withPlugins("rabbitmq_auth_mechanism_ssl")
                // PLAIN stays second: the node's start probe logs in as guest on its plain port.
                .withConfig(
                    "auth_mechanisms.1 = EXTERNAL",
                    "auth_mechanisms.2 = PLAIN",
                    "ssl_cert_login_from = common_name"));
    // EXTERNAL logs in an existing user; its password is never used.
    node.rabbitmqctl("add_user", TestCertificates.CLIENT_NAME, UUID.randomUUID().toString());
    node.rabbitmqctl("set_permissions", "-p", "/", TestCertificates.CLIENT_NAME, ".*", ".*", ".*");
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
    if (certs != null) {
      certs.close();
    }
  }

  private static MqConfig.Builder external() {
    return MqConfig.builder()
        .brokerType("amqp")
        .set("amqp.url", "amqps://localhost:" + tlsPort)
        .set("amqp.tls.ca_file", certs.caCertificate().toString())
        .set("amqp.tls.sasl", "external");
  }

  /** Sends one message through {@code queue} to itself and waits for it. */
  private static void roundTrip(MessageQueue queue) {
    String topic = "tls-external-" + UUID.randomUUID().toString().substring(0, 8);
    List<String> received = new CopyOnWriteArrayList<>();
    queue.subscribe(
        topic, "g", d -> received.add(new String(d.message().payload(), StandardCharsets.UTF_8)));
    queue
        .createProducer()
        .sendAndWait(topic, Message.of("over mTLS".getBytes(StandardCharsets.UTF_8)));
    await().atMost(Duration.ofSeconds(15)).until(() -> received.contains("over mTLS"));
    assertThat(received).containsExactly("over mTLS");
  }

  /** The users of the node's client connections, as the broker reports them. */
  private static String connectedUsers() throws Exception {
    return node.rabbitmqctl("list_connections", "user", "auth_mechanism", "ssl");
  }

  @Test
  @DisplayName(
      "a PEM client certificate and key log in with no password as the certificate's common name,"
          + " and a message goes round")
  void pemCertificate() throws Exception {
    MqConfig config =
        external()
            .set("amqp.tls.cert_file", certs.client().certificate().toString())
            .set("amqp.tls.key_file", certs.client().key().toString())
            .build();

    try (MessageQueue queue = MessageQueue.create(config)) {
      assertThat(connectedUsers())
          .contains(TestCertificates.CLIENT_NAME + "\tEXTERNAL\ttrue")
          .doesNotContain("guest");
      roundTrip(queue);
    }
  }

  @Test
  @DisplayName(
      "a PKCS12 key store opened with the password from amqp.tls.key_store_password_file logs in"
          + " the same way, the password printed nowhere")
  void keyStore() throws Exception {
    MqConfig config =
        external()
            .set("amqp.tls.key_store", certs.clientKeyStore().toString())
            .set("amqp.tls.key_store_password_file", certs.clientPasswordFile().toString())
            .build();

    try (MessageQueue queue = MessageQueue.create(config)) {
      assertThat(connectedUsers()).contains(TestCertificates.CLIENT_NAME + "\tEXTERNAL\ttrue");
      roundTrip(queue);
      assertThat(queue.health().toString()).doesNotContain(certs.clientPassword());
    }
    assertThat(config.toString()).doesNotContain(certs.clientPassword());
  }

  @Test
  @DisplayName(
      "without a client certificate the node refuses the TLS handshake, and the error asks for"
          + " one, in one line")
  void noClientCertificate() {
    MqConfig config =
        MqConfig.builder()
            .brokerType("amqp")
            .set("amqp.url", "amqps://guest:guest@localhost:" + tlsPort)
            .set("amqp.tls.ca_file", certs.caCertificate().toString())
            .build();

    MessagingException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(8),
            () ->
                catchThrowableOfType(MessagingException.class, () -> MessageQueue.create(config)));

    assertThat(e).isNotNull();
    assertThat(e.getMessage())
        .contains("cannot connect to RabbitMQ at amqps://guest:****@localhost:" + tlsPort)
        .contains("does the broker require a client certificate (amqp.tls.cert_file")
        .doesNotContain("\n");
  }
}
