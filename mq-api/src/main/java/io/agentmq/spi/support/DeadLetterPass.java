package io.agentmq.spi.support;

import io.agentmq.api.Message;
import io.agentmq.api.deadletter.DeadLetter;
import java.util.Optional;

/**
 * One pass over a dead-letter topic, oldest first per partition, ending where the topic ended when
 * the pass opened. On a settling pass each dead letter handed out is replayed, removed or kept; a
 * backend may delay the effect until {@link #commit()}, and {@link #close()} undoes what was not
 * committed where the broker allows it. Used by one thread.
 */
public interface DeadLetterPass extends AutoCloseable {

  /** Dead letters the topic held when the pass opened, or {@code -1} if unknown. */
  long size();

  /** The next dead letter, or empty at the end of the pass. */
  Optional<DeadLetter> next();

  /** Publishes {@code message} to {@code topic} and removes {@code deadLetter}. */
  void replay(DeadLetter deadLetter, String topic, Message message);

  /** Removes {@code deadLetter}. */
  void remove(DeadLetter deadLetter);

  /** Leaves {@code deadLetter} in the dead-letter topic. */
  void keep(DeadLetter deadLetter);

  /**
   * Whether dead letters a pass never hands out stay where they are (a queue), so that a run which
   * stops at its limit need not read the rest. A log that re-appends kept dead letters must be read
   * to the end (every one then {@link #keep kept}) so that they keep their order.
   */
  default boolean leavesUnreadInPlace() {
    return false;
  }

  /** Makes everything settled so far durable. */
  void commit();

  /** Ends the pass, undoing what was not committed where the broker allows it. Idempotent. */
  @Override
  void close();
}
