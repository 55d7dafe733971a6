package io.agentmq.memory;

/**
 * The next offset to write (and the senders' other field), alone on a cache line. The sender writes
 * it per message and consumers read it; without the padding, every write would also evict the
 * fields consumers read beside it (the ring, the cursor array) from their caches. HotSpot lays out
 * a superclass's fields before a subclass's, so padding classes above and below isolate it.
 */
@SuppressWarnings("unused")
abstract class PaddedTail {
  // Padding before.
  long p01, p02, p03, p04, p05, p06, p07, p08;
}

@SuppressWarnings("unused")
abstract class TailField extends PaddedTail {
  protected volatile long tail;

  /** Lower bound of the slowest group's committed offset; written by senders under the lock. */
  protected long minCommitted;
}

@SuppressWarnings("unused")
abstract class PaddedAfterTail extends TailField {
  // Padding after.
  long q01, q02, q03, q04, q05, q06, q07, q08;
}
