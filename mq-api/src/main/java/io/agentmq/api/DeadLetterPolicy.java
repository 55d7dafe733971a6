package io.agentmq.api;

/**
 * Whether messages that failed for good go to {@code <topic>.deadletter}. When disabled, a failing
 * message is retried (at the maximum backoff) until its handler succeeds: it is never dropped.
 *
 * @param enabled whether dead-lettering is on
 */
public record DeadLetterPolicy(boolean enabled) {

  /** Suffix of a topic's dead-letter topic. */
  public static final String SUFFIX = ".deadletter";

  public static final DeadLetterPolicy ENABLED = new DeadLetterPolicy(true);
  public static final DeadLetterPolicy DISABLED = new DeadLetterPolicy(false);

  /** {@code <topic>.deadletter}. */
  public static String deadLetterTopic(String topic) {
    return topic + SUFFIX;
  }
}
