package io.agentmq.spi;

import java.time.Duration;

/**
 * Opens {@link IdempotencyStore}s of one kind, found through {@link java.util.ServiceLoader} by the
 * location a setting names: {@code memory}, or a JDBC URL for the store in {@code
 * io.agentmq:mq-jdbc}.
 */
public interface IdempotencyStoreProvider {

  /** Whether this provider opens stores at {@code location}, e.g. {@code jdbc:postgresql:...}. */
  boolean accepts(String location);

  /**
   * The locations this provider accepts, for error messages, e.g. {@code jdbc:postgresql://...}.
   */
  String describe();

  /**
   * Opens a store at {@code location} that keeps each record at least {@code retention}.
   *
   * @throws io.agentmq.api.MessagingException when the store cannot be reached; its message never
   *     repeats the location's credentials
   */
  IdempotencyStore open(String location, Duration retention);
}
