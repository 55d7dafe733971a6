package io.agentmq.api;

import java.util.Optional;
import java.util.Set;

/**
 * Topic administration. Thread-safe; every method is synchronous and talks to the broker. Failures
 * are {@link MessagingException}s.
 */
public interface Admin {

  /**
   * Creates a topic and, when dead-lettering is enabled, its dead-letter topic. Idempotent.
   *
   * @return {@code true} if the topic was created, {@code false} if it already existed (its
   *     settings are left as they are)
   */
  boolean createTopic(TopicSpec spec);

  /**
   * Deletes a topic (not its dead-letter topic, which may hold messages someone still needs).
   *
   * @return {@code false} if there was no such topic
   */
  boolean deleteTopic(String name);

  /**
   * Forgets a consumer group and its positions, so the broker stops keeping messages for it (a
   * group outlives its consumers, like a durable queue).
   *
   * @return {@code false} if there was no such group
   * @throws IllegalStateException if the group still has running consumers
   */
  boolean deleteGroup(String group);

  /** Every topic, dead-letter topics included. */
  Set<String> listTopics();

  /** The topic's settings as the broker applies them; empty if there is no such topic. */
  Optional<TopicSpec> describeTopic(String name);
}
