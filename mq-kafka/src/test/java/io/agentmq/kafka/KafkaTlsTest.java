package io.agentmq.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import io.agentmq.kafka.KafkaBrokerProcess.SecureListener;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The Kafka backend over TLS, mutual TLS and SASL_SSL with PLAIN against a real broker with
 * certificates made for the run, and the one-line errors it gives for a CA it does not trust, a
 * missing client certificate, a certificate for another host or expired, and a wrong password.
 */
@DisplayName("kafka backend over TLS")
class KafkaTlsTest {
  private static final String USER = "agent";
  private static final String PASSWORD = randomPassword();
  private static final Duration FAILURE_BOUND = Duration.ofSeconds(30);

  private static KafkaTestCertificates certificates;
  private static KafkaBrokerProcess broker;

  @BeforeAll
  static void startBroker() throws Exception {
    certificates = KafkaTestCertificates.get();
    broker =
        KafkaBrokerProcess.start(
            new KafkaBrokerProcess.Security(certificates, Map.of(USER, PASSWORD)));
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  @DisplayName("sends and receives over TLS, verifying the broker's certificate with a private CA")
  void tls() {
    MqConfig.Builder config = tls(SecureListener.SSL, certificates.trustStore());

    assertRoundTrip(config);
  }

  @Test
  @DisplayName("sends and receives over mutual TLS, presenting a client certificate")
  void mutualTls() {
    MqConfig.Builder config =
        certificates.clientCertificate(tls(SecureListener.MTLS, certificates.trustStore()));

    assertRoundTrip(config);
  }

  @Test
  @DisplayName("sends and receives over SASL_SSL, logging in with PLAIN")
  void saslPlain() {
    MqConfig.Builder config =
        saslSsl(
            "PLAIN",
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + USER
                + "\" password=\""
                + PASSWORD
                + "\";");

    assertRoundTrip(config);
  }

  @Test
  @DisplayName("fails at start within the request timeout when the broker's CA is not trusted")
  void untrustedCertificateAuthority() {
    MessagingException error =
        startFails(tls(SecureListener.SSL, certificates.otherCaTrustStore()));

    assertThat(error)
        .hasMessageContaining("reaching Kafka at " + broker.bootstrapServers(SecureListener.SSL))
        .hasMessageContaining("SSL handshake failed")
        .hasMessageContaining("not signed by a CA in kafka.client.ssl.truststore.location");
    assertThat(error.isRetriable()).isFalse();
  }

  @Test
  @DisplayName("fails at start within the request timeout when mTLS gets no client certificate")
  void clientCertificateRequired() {
    MessagingException error = startFails(tls(SecureListener.MTLS, certificates.trustStore()));

    assertThat(error)
        .hasMessageContaining("reaching Kafka at " + broker.bootstrapServers(SecureListener.MTLS))
        .hasMessageContaining("SSL handshake failed")
        .hasMessageContaining("the broker refused the client's certificate or its absence")
        .hasMessageContaining("kafka.client.ssl.keystore.*");
  }

  @Test
  @DisplayName("fails at start within the request timeout when the certificate is for another host")
  void certificateForAnotherHost() {
    MessagingException error =
        startFails(tls(SecureListener.OTHER_HOST, certificates.trustStore()));

    assertThat(error)
        .hasMessageContaining(
            "reaching Kafka at " + broker.bootstrapServers(SecureListener.OTHER_HOST))
        .hasMessageContaining("SSL handshake failed")
        .hasMessageContaining("not made out to the host the client connected to")
        .hasMessageContaining("127.0.0.1");
  }

  @Test
  @DisplayName("fails at start within the request timeout when the broker's certificate expired")
  void expiredCertificate() {
    MessagingException error = startFails(tls(SecureListener.EXPIRED, certificates.trustStore()));

    assertThat(error)
        .hasMessageContaining(
            "reaching Kafka at " + broker.bootstrapServers(SecureListener.EXPIRED))
        .hasMessageContaining("SSL handshake failed")
        .hasMessageContaining("a certificate is outside its validity period");
  }

  @Test
  @DisplayName("fails at start within the request timeout when the SCRAM password is wrong")
  void wrongPassword() {
    String wrong = "wrong" + PASSWORD;
    MqConfig.Builder config =
        saslSsl(
            "SCRAM-SHA-512",
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + USER
                + "\" password=\""
                + wrong
                + "\";");

    MessagingException error = startFails(config);

    assertThat(error)
        .hasMessageContaining(
            "reaching Kafka at " + broker.bootstrapServers(SecureListener.SASL_SSL))
        .hasMessageContaining("SaslAuthenticationException")
        .hasMessageContaining("Authentication failed")
        .hasMessageContaining("kafka.client.sasl.jaas.config");
    assertThat(stackTrace(error)).doesNotContain(wrong);
  }

  /** Settings for {@code listener} over TLS, trusting the CAs in {@code trustStore}. */
  private static MqConfig.Builder tls(SecureListener listener, java.nio.file.Path trustStore) {
    return certificates.trust(
        MqConfig.builder()
            .brokerType("kafka")
            .set("kafka.bootstrap_servers", broker.bootstrapServers(listener))
            .set("kafka.request_timeout_ms", "5000")
            .set("kafka.linger_ms", "1")
            .set("kafka.client.security.protocol", "SSL"),
        trustStore);
  }

  private static MqConfig.Builder saslSsl(String mechanism, String jaas) {
    return tls(SecureListener.SASL_SSL, certificates.trustStore())
        .set("kafka.client.security.protocol", "SASL_SSL")
        .set("kafka.client.sasl.mechanism", mechanism)
        .set("kafka.client.sasl.jaas.config", jaas);
  }

  private static void assertRoundTrip(MqConfig.Builder config) {
    String topic = "tls-" + UUID.randomUUID().toString().substring(0, 8);
    List<String> received = new CopyOnWriteArrayList<>();
    try (MessageQueue queue = MessageQueue.create(config.build())) {
      queue.subscribe(
          topic, topic + "-g", d -> received.add(new String(d.payload(), StandardCharsets.UTF_8)));
      queue.createProducer().sendAndWait(topic, Message.ofText("over tls"));
      await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1);
    }
    assertThat(received).containsExactly("over tls");
  }

  /**
   * Starts a queue expecting it to fail within {@link #FAILURE_BOUND}; the error is one line and
   * holds none of the configured secrets, nor do its causes.
   */
  private static MessagingException startFails(MqConfig.Builder config) {
    MqConfig built = config.build();
    Throwable thrown =
        assertTimeoutPreemptively(
            FAILURE_BOUND, () -> catchThrowable(() -> MessageQueue.create(built).close()));
    assertThat(thrown).isInstanceOf(MessagingException.class);
    assertThat(thrown.getMessage()).doesNotContain("\n");
    assertThat(stackTrace(thrown)).doesNotContain(PASSWORD, certificates.password());
    return (MessagingException) thrown;
  }

  private static String stackTrace(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  private static String randomPassword() {
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
