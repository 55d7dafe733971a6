package io.agentmq.amqp;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agentmq.api.MqConfig;
import io.agentmq.tck.Capabilities;
import io.agentmq.tck.MessageQueueConformanceSuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance suite over TLS only: {@code amqps://} to a test-owned RabbitMQ node with a
 * certificate from a private CA ({@code amqp.tls.ca_file}), host name verified, and the management
 * API over HTTPS with the same CA.
 */
@DisplayName("amqp backend conformance over TLS")
class AmqpTlsConformanceTest extends MessageQueueConformanceSuite {
  private static TestCertificates certs;
  private static RabbitNodeProcess node;
  private static int tlsPort;
  private static int managementTlsPort;

  @BeforeAll
  static void startNode() throws Exception {
    assumeTrue(RabbitNodeProcess.installed(), "rabbitmq-server is not installed");
    certs = TestCertificates.generate();
    tlsPort = RabbitNodeProcess.freePort();
    managementTlsPort = RabbitNodeProcess.freePort();
    TestCertificates.Pair server = certs.server();
    node =
        RabbitNodeProcess.start(
            RabbitNodeProcess.Settings.defaults()
                .withTls(tlsPort, certs.caCertificate(), server.certificate(), server.key(), false)
                .withManagementTls(
                    managementTlsPort, certs.caCertificate(), server.certificate(), server.key()));
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

  /** As {@link AmqpConformanceTest}: the transport changes nothing the backend promises. */
  @Override
  protected Capabilities capabilities() {
    return AmqpConformanceTest.RABBITMQ;
  }

  @Override
  protected boolean deletesTopicsAfterEachTest() {
    return true;
  }

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return builder
        .brokerType("amqp")
        .set("amqp.url", "amqps://guest:guest@localhost:" + tlsPort)
        .set("amqp.tls.ca_file", certs.caCertificate().toString())
        .set("amqp.management_url", "https://localhost:" + managementTlsPort);
  }
}
