package io.agentmq.memory;

import io.agentmq.api.Message;
import io.agentmq.api.StartPosition;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One partition: a ring of the newest {@code capacity} messages, addressed by offset.
 *
 * <p>Appends are serialized by this object's monitor; reads need no lock. A slot is overwritten
 * only once every group of the partition has acknowledged its message; until then senders wait
 * (back-pressure). A partition no group reads keeps its newest {@code capacity} messages, like a
 * size-retained Kafka partition, so that a group created later can start from the earliest.
 */
final class PartitionLog extends PaddedAfterTail {
  private static final GroupCursor[] NO_CURSORS = new GroupCursor[0];

  final String topic;
  final int partition;
  private final Message[] slots;
  private final int mask;
  private final long capacity;
  private volatile GroupCursor[] cursors = NO_CURSORS;

  /** The cursors' signals, so that a sender does not touch the cursors' own cache lines. */
  private volatile GroupSignal[] signals = new GroupSignal[0];

  private volatile boolean sendersWaiting;

  /**
   * While senders wait: the committed offset at which a consumer wakes them. Waking them only once
   * an eighth of the partition is free, rather than per message, keeps a full partition from
   * costing a wait/notify pair per message. Waiting senders also re-check every millisecond, so any
   * room is found even if consumers stop short of this mark.
   */
  private volatile long wakeSendersAt;

  private final long wakeBatch;

  PartitionLog(String topic, int partition, int capacity) {
    this.topic = topic;
    this.partition = partition;
    int size = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
    this.slots = new Message[Math.max(size, 1)];
    this.mask = slots.length - 1;
    this.capacity = capacity;
    this.wakeBatch = Math.max(1, capacity / 8);
  }

  /** Next offset to be written. */
  long tail() {
    return tail;
  }

  /** Oldest offset still held. */
  long earliest() {
    return Math.max(0, tail - capacity);
  }

  /** The message at {@code offset}; valid for {@code earliest() <= offset < tail()}. */
  Message read(long offset) {
    return slots[(int) (offset & mask)];
  }

  /**
   * Appends a message, waiting up to {@code timeoutNanos} for room.
   *
   * @return its offset, or {@code -1} if the partition stayed full
   * @throws InterruptedException if interrupted while waiting for room
   */
  long append(Message message, long timeoutNanos) throws InterruptedException {
    long offset;
    synchronized (this) {
      offset = tail;
      if (offset - minCommitted >= capacity && !hasRoom(offset) && !awaitRoom(timeoutNanos)) {
        return -1;
      }
      offset = tail;
      slots[(int) (offset & mask)] = message;
      tail = offset + 1;
    }
    for (GroupSignal signal : signals) {
      signal.wake();
    }
    return offset;
  }

  private boolean hasRoom(long offset) {
    long min = offset;
    for (GroupCursor cursor : cursors) {
      min = Math.min(min, cursor.committed());
    }
    minCommitted = min;
    return offset - min < capacity;
  }

  private boolean awaitRoom(long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      wakeSendersAt = tail - capacity + wakeBatch;
      sendersWaiting = true;
      if (hasRoom(tail)) {
        return true;
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, Math.min(remaining, RECHECK_NANOS));
    }
  }

  private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** Called after a group commits up to {@code next}: wakes waiting senders once enough is free. */
  void committed(long next) {
    if (sendersWaiting && next - wakeSendersAt >= 0) {
      synchronized (this) {
        sendersWaiting = false;
        notifyAll();
      }
    }
  }

  /** Adds a group that has never read this partition, starting at {@code start}. */
  synchronized GroupCursor join(String group, GroupSignal signal, StartPosition start) {
    long offset = start == StartPosition.EARLIEST ? earliest() : tail;
    GroupCursor cursor = new GroupCursor(this, group, signal, offset);
    GroupCursor[] grown = Arrays.copyOf(cursors, cursors.length + 1);
    grown[cursors.length] = cursor;
    cursors = grown;
    signals = Arrays.stream(grown).map(c -> c.signal).toArray(GroupSignal[]::new);
    minCommitted = Math.min(minCommitted, offset);
    return cursor;
  }

  /** Removes a deleted group; senders waiting for room it held are woken. */
  synchronized void leave(GroupCursor cursor) {
    GroupCursor[] kept =
        Arrays.stream(cursors).filter(c -> c != cursor).toArray(GroupCursor[]::new);
    cursors = kept;
    signals = Arrays.stream(kept).map(c -> c.signal).toArray(GroupSignal[]::new);
    sendersWaiting = false;
    notifyAll();
  }

  /** Groups slower than the newest {@code capacity} messages, for the "partition full" error. */
  synchronized String slowestGroups() {
    StringBuilder out = new StringBuilder();
    for (GroupCursor cursor : cursors) {
      if (tail - cursor.committed() >= capacity) {
        out.append(out.length() == 0 ? "" : ", ")
            .append(cursor.group)
            .append(" (")
            .append(tail - cursor.committed())
            .append(" unacknowledged)");
      }
    }
    return out.toString();
  }
}
