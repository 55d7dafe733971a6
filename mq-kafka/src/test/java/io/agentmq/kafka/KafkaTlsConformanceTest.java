package io.agentmq.kafka;

import io.agentmq.api.MqConfig;
import io.agentmq.kafka.KafkaBrokerProcess.SecureListener;
import io.agentmq.tck.Capabilities;
import io.agentmq.tck.MessageQueueConformanceSuite;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance suite over SASL_SSL with SCRAM-SHA-512, against a broker process of its own with
 * certificates from a private CA: admin, producers and consumers all authenticate and encrypt.
 */
@DisplayName("kafka backend conformance over SASL_SSL (SCRAM-SHA-512)")
class KafkaTlsConformanceTest extends MessageQueueConformanceSuite {
  private static final String USER = "agent";
  private static final String PASSWORD = randomPassword();

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

  /** As {@link KafkaConformanceTest}: everything. */
  @Override
  protected Capabilities capabilities() {
    return Capabilities.all();
  }

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return certificates.trust(
        builder
            .brokerType("kafka")
            .set("kafka.bootstrap_servers", broker.bootstrapServers(SecureListener.SASL_SSL))
            .set("kafka.linger_ms", "1")
            .set("kafka.client.fetch.max.wait.ms", "50")
            .set("kafka.client.security.protocol", "SASL_SSL")
            .set("kafka.client.sasl.mechanism", "SCRAM-SHA-512")
            .set(
                "kafka.client.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                    + USER
                    + "\" password=\""
                    + PASSWORD
                    + "\";"),
        certificates.trustStore());
  }

  private static String randomPassword() {
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
