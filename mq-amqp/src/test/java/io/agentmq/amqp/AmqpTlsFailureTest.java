package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Connections over TLS that must fail, against a test-owned RabbitMQ node whose certificate each
 * test chooses (the files it serves are replaced and the node's PEM cache cleared, as when rotating
 * certificates): each fails at once with one line naming what failed, never hangs, never prints a
 * secret.
 */
@DisplayName("amqps failures")
class AmqpTlsFailureTest {
  /** Well within the client's 10 s connection timeout: a TLS refusal must not wait for it. */
  private static final Duration QUICKLY = Duration.ofSeconds(8);

  private static TestCertificates certs;
  private static RabbitNodeProcess node;
  private static int tlsPort;
  private static Path served;

  @BeforeAll
  static void startNode() throws Exception {
    assumeTrue(RabbitNodeProcess.installed(), "rabbitmq-server is not installed");
    certs = TestCertificates.generate();
    served = Files.createDirectories(certs.dir().resolve("served"));
    serveFiles(certs.server());
    tlsPort = RabbitNodeProcess.freePort();
    node =
        RabbitNodeProcess.start(
            RabbitNodeProcess.Settings.defaults()
                .withTls(
                    tlsPort,
                    certs.caCertificate(),
                    served.resolve("server.pem"),
                    served.resolve("server.key"),
                    false));
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

  /** The node presents {@code pair} to the next connections. */
  private static void serve(TestCertificates.Pair pair) throws Exception {
    serveFiles(pair);
    node.rabbitmqctl("eval", "ssl:clear_pem_cache().");
  }

  private static void serveFiles(TestCertificates.Pair pair) throws Exception {
    Files.copy(
        pair.certificate(), served.resolve("server.pem"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(pair.key(), served.resolve("server.key"), StandardCopyOption.REPLACE_EXISTING);
  }

  private static MqConfig.Builder amqps(String userInfo) {
    return MqConfig.builder()
        .brokerType("amqp")
        .set("amqp.url", "amqps://" + userInfo + "@localhost:" + tlsPort);
  }

  /** Opening the queue fails; returns the error, after checking it is one line and quick. */
  private static MessagingException refused(MqConfig config) {
    MessagingException e =
        assertTimeoutPreemptively(
            QUICKLY,
            () ->
                catchThrowableOfType(MessagingException.class, () -> MessageQueue.create(config)));
    assertThat(e).as("opening the queue must fail").isNotNull();
    assertThat(e.getMessage()).doesNotContain("\n");
    assertThat(e.isRetriable()).isFalse();
    return e;
  }

  /** The exception as a log would print it: messages and causes. */
  private static String printed(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  @Test
  @DisplayName("a broker certificate not signed by amqp.tls.ca_file is refused as not trusted")
  void wrongCa() throws Exception {
    serve(certs.server());
    MqConfig config =
        amqps("guest:guest").set("amqp.tls.ca_file", certs.otherCaCertificate().toString()).build();

    MessagingException e = refused(config);

    assertThat(e.getMessage())
        .startsWith("cannot connect to RabbitMQ at amqps://guest:****@localhost:" + tlsPort)
        .contains("the broker's certificate is not trusted")
        .contains("amqp.tls.ca_file = " + certs.otherCaCertificate());
  }

  @Test
  @DisplayName("an expired broker certificate is refused as outside its validity period")
  void expired() throws Exception {
    serve(certs.expiredServer());
    MqConfig config =
        amqps("guest:guest").set("amqp.tls.ca_file", certs.caCertificate().toString()).build();

    MessagingException e = refused(config);

    assertThat(e.getMessage())
        .contains("the broker's certificate is outside its validity period")
        .contains("NotAfter");
  }

  @Test
  @DisplayName("a broker certificate for another host is refused, naming the host connected to")
  void wrongHost() throws Exception {
    serve(certs.wrongHostServer());
    MqConfig config =
        amqps("guest:guest").set("amqp.tls.ca_file", certs.caCertificate().toString()).build();

    MessagingException e = refused(config);

    assertThat(e.getMessage())
        .contains("the broker's certificate is not issued for host 'localhost'")
        .contains("amqp.tls.verify_hostname = false");
  }

  @Test
  @DisplayName(
      "amqp.tls.verify_hostname = false accepts a trusted certificate for another host, and"
          + " still refuses an untrusted one")
  void hostnameCheckOff() throws Exception {
    serve(certs.wrongHostServer());
    MqConfig trusted =
        amqps("guest:guest")
            .set("amqp.tls.ca_file", certs.caCertificate().toString())
            .set("amqp.tls.verify_hostname", "false")
            .build();
    try (MessageQueue queue = MessageQueue.create(trusted)) {
      assertThat(queue.health().isUp()).isTrue();
    }

    MqConfig untrusted =
        amqps("guest:guest")
            .set("amqp.tls.ca_file", certs.otherCaCertificate().toString())
            .set("amqp.tls.verify_hostname", "false")
            .build();
    assertThat(refused(untrusted).getMessage()).contains("not trusted");
  }

  @Test
  @DisplayName("amqps:// to the plain AMQP port says the port does not speak TLS")
  void plainPort() {
    MqConfig config =
        MqConfig.builder()
            .brokerType("amqp")
            .set("amqp.url", "amqps://guest:guest@localhost:" + node.amqpPort())
            .set("amqp.tls.ca_file", certs.caCertificate().toString())
            .build();

    assertThat(refused(config).getMessage())
        .contains("port " + node.amqpPort() + " does not speak TLS");
  }

  @Test
  @DisplayName("a wrong password over TLS is a refused login naming the user, never the password")
  void wrongPassword() throws Exception {
    serve(certs.server());
    String secret = "wr0ng-S3cret";
    MqConfig config =
        amqps("guest:" + secret).set("amqp.tls.ca_file", certs.caCertificate().toString()).build();

    MessagingException e = refused(config);

    assertThat(e.getMessage())
        .contains("the broker refused the login of user 'guest'")
        .contains("wrong user or password in amqp.url");
    assertThat(printed(e)).doesNotContain(secret);
    assertThat(config.toString()).doesNotContain(secret);
  }
}
