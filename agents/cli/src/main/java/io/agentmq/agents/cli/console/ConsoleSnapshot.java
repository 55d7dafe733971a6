package io.agentmq.agents.cli.console;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the console's overview shows at one moment: the broker's state, topics, groups, consumers,
 * dead-letter topics and the rates of the last minutes.
 *
 * @param backend the backend's name ({@code memory}, {@code kafka}, {@code amqp}); never its
 *     address
 * @param brokerUp whether the queue's health check says UP
 * @param takenAt when it was read
 * @param topics the topics, dead-letter topics apart
 * @param groups the consumer groups running in this process
 * @param consumers the subscribers running in this process
 * @param deadLetters the dead-letter topics and what they hold
 * @param handledTotal settled deliveries per second of every topic, oldest sample first
 * @param sentTotal stored sends per second of every topic, oldest sample first
 * @param sampleInterval the time between two rate samples
 * @param readOnly whether replay and purge are refused
 */
record ConsoleSnapshot(
    String backend,
    boolean brokerUp,
    Instant takenAt,
    List<TopicRow> topics,
    List<GroupRow> groups,
    List<ConsumerRow> consumers,
    List<DeadLetterRow> deadLetters,
    double[] handledTotal,
    double[] sentTotal,
    Duration sampleInterval,
    boolean readOnly) {

  /**
   * One topic.
   *
   * @param groups the groups of this process that consume it
   * @param sentPerSecond stored sends per second over the last minute
   * @param handledPerSecond settled deliveries per second over the last minute, every group
   * @param timeLag the longest any of its groups' oldest unhandled message has waited
   * @param handledHistory settled deliveries per second, oldest sample first
   * @param deadLetters how many dead letters its dead-letter topic holds, when counted
   */
  record TopicRow(
      String topic,
      List<String> groups,
      double sentPerSecond,
      double handledPerSecond,
      Duration timeLag,
      double[] handledHistory,
      OptionalLong deadLetters) {}

  /**
   * One consumer group, its subscribers of this process taken together.
   *
   * @param handledPerSecond settled deliveries per second over the last minute
   * @param lag messages not acknowledged yet, where the backend knows it (the largest a subscriber
   *     reports)
   * @param timeLag the longest its oldest unhandled message has waited
   * @param up whether every subscriber of it is healthy
   */
  record GroupRow(
      String group,
      List<String> topics,
      int consumers,
      double handledPerSecond,
      OptionalLong lag,
      Duration timeLag,
      boolean up) {}

  /**
   * One running subscriber.
   *
   * @param problem why it is DOWN; empty while it is UP
   */
  record ConsumerRow(
      String group,
      List<String> topics,
      boolean paused,
      long inFlight,
      OptionalLong lag,
      Duration timeLag,
      Duration sinceLastActivity,
      Optional<String> problem) {}

  /**
   * One dead-letter topic.
   *
   * @param total its dead letters; empty when they could not be counted
   * @param byReason counts by the reason's leading phrase
   * @param error why it could not be counted (an exception class name)
   */
  record DeadLetterRow(
      String topic,
      OptionalLong total,
      Map<String, Long> byReason,
      Optional<Instant> oldest,
      Optional<String> error) {}
}
