package io.agentmq.kafka;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;

/**
 * Why a TLS handshake with a broker failed, in words that name the setting to check: found in the
 * cause chain of Kafka's {@code SslAuthenticationException}, whose own message never says.
 */
final class TlsFailure {
  private TlsFailure() {}

  /** What failed, then the deepest cause's own message in parentheses. */
  static String reason(Throwable failure) {
    String detail = deepestMessage(failure);
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (t instanceof CertificateExpiredException
          || t instanceof CertificateNotYetValidException) {
        return "a certificate is outside its validity period (" + detail + ")";
      }
      if (t instanceof CertPathBuilderException || message.contains("pkix path building failed")) {
        return "the broker's certificate is not signed by a CA in"
            + " kafka.client.ssl.truststore.location (the JVM's default CAs when unset) ("
            + detail
            + ")";
      }
      if (message.contains("no subject alternative") || message.contains("no name matching")) {
        return "the broker's certificate is not made out to the host the client connected to,"
            + " which kafka.client.ssl.endpoint.identification.algorithm=https checks ("
            + detail
            + ")";
      }
      if (message.contains("bad_certificate") || message.contains("certificate_required")) {
        return "the broker refused the client's certificate or its absence: a listener with"
            + " ssl.client.auth=required needs kafka.client.ssl.keystore.* holding a certificate"
            + " signed by a CA the broker trusts ("
            + detail
            + ")";
      }
    }
    return detail;
  }

  private static String deepestMessage(Throwable failure) {
    String message = failure.getMessage();
    for (Throwable t = failure.getCause(); t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    return message == null ? failure.getClass().getSimpleName() : message;
  }
}
