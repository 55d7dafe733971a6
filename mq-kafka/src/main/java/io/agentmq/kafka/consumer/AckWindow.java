package io.agentmq.kafka.consumer;

import java.util.ArrayDeque;

/**
 * The deliveries a pipelined drain handed out and that are not acknowledged yet, in offset order:
 * the commit position moves only over an acknowledged head, never past an unfinished delivery (as
 * SmallRye's throttled commit strategy keeps it). Not thread-safe: the partition worker's lock
 * guards it.
 */
final class AckWindow {
  private static final class Started {
    final long offset;
    final long nanos;
    boolean acknowledged;

    Started(long offset, long nanos) {
      this.offset = offset;
      this.nanos = nanos;
    }
  }

  private final ArrayDeque<Started> started = new ArrayDeque<>();

  /** The delivery of {@code offset} was handed to the handler at {@code nanos}. */
  void start(long offset, long nanos) {
    started.add(new Started(offset, nanos));
  }

  /**
   * Marks the delivery of {@code offset} acknowledged. Returns the next offset to commit once the
   * acknowledged head moved, or {@code -1} while an earlier delivery is unfinished.
   */
  long acknowledge(long offset) {
    for (Started entry : started) {
      if (entry.offset == offset) {
        entry.acknowledged = true;
        break;
      }
    }
    long next = -1;
    Started head;
    while ((head = started.peek()) != null && head.acknowledged) {
      started.poll();
      next = head.offset + 1;
    }
    return next;
  }

  /** When the oldest unacknowledged delivery started, or {@code otherwise} when there is none. */
  long oldestStart(long otherwise) {
    Started oldest = started.peek();
    return oldest != null ? oldest.nanos : otherwise;
  }

  /** Forgets every delivery: all are settled and the unacknowledged ones will be read again. */
  void clear() {
    started.clear();
  }
}
