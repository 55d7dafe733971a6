package io.agentmq.kafka;

import io.agentmq.api.InvalidMessageException;
import io.agentmq.api.MessagingException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;

/** Turns Kafka client exceptions into {@link MessagingException}s that say what failed. */
final class KafkaErrors {
  private KafkaErrors() {}

  static MessagingException of(String what, Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof MessagingException m) {
      return m;
    }
    if (cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException) {
      return new InvalidMessageException(
          what + " failed: the broker refuses records this large (" + cause.getMessage() + ")");
    }
    boolean retriable =
        cause instanceof RetriableException
            || cause instanceof TimeoutException
            || cause instanceof java.util.concurrent.TimeoutException;
    String message =
        what
            + " failed: "
            + cause.getClass().getSimpleName()
            + oneLine(describe(cause))
            + (retriable ? " (retriable)" : "");
    return retriable
        ? MessagingException.retriable(message, cause)
        : MessagingException.permanent(message, cause);
  }

  /**
   * The client's message, and for authentication failures what to check: the client's own text
   * names the outermost failure only ("SSL handshake failed"), the reason is deeper in the chain.
   */
  private static String describe(Throwable cause) {
    if (cause instanceof SslAuthenticationException) {
      return ": SSL handshake failed: " + TlsFailure.reason(cause);
    }
    if (cause instanceof SaslAuthenticationException) {
      return ": "
          + cause.getMessage()
          + "; check the user name and password in kafka.client.sasl.jaas.config and"
          + " kafka.client.sasl.mechanism";
    }
    return cause.getMessage() == null ? "" : ": " + cause.getMessage();
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\s*\\R\\s*", " ");
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof ExecutionException || t instanceof CompletionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
