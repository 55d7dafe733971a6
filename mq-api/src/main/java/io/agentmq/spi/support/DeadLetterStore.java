package io.agentmq.spi.support;

/**
 * What a backend supplies for dead-letter operations: passes over a dead-letter topic, one that
 * only reads and one that settles each dead letter. {@link DeadLetterOperations} runs the rules
 * (filters, loop guard, dry runs, commits, progress) on top.
 */
public interface DeadLetterStore {

  /**
   * A pass over the dead letters the topic holds now, changing nothing.
   *
   * @param deadLetterTopic {@code <topic>.deadletter}
   */
  DeadLetterPass read(String deadLetterTopic);

  /** A pass whose dead letters are each replayed, removed or kept; see {@link DeadLetterPass}. */
  DeadLetterPass settle(String deadLetterTopic);
}
