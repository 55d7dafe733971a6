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
final class PartitionLog {
  private static final GroupCursor[] NO_CURSORS = new GroupCursor[0];

  final String topic;
  final int partition;
  private final Message[] slots;
  private final int mask;
  private final long capacity;
  private volatile long tail;
  private volatile GroupCursor[] cursors = NO_CURSORS;

  /** Lower bound of the slowest group's committed offset (guarded by this). */
  private long minCommitted;

  private volatile boolean sendersWaiting;

  PartitionLog(String topic, int partition, int capacity) {
    this.topic = topic;
    this.partition = partition;
    int size = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
    this.slots = new Message[Math.max(size, 1)];
    this.mask = slots.length - 1;
    this.capacity = capacity;
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
    for (GroupCursor cursor : cursors) {
      cursor.signal.wake();
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
      sendersWaiting = true;
      if (hasRoom(tail)) {
        return true;
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, remaining);
    }
  }

  /** Called after a group commits: wakes senders waiting for room. */
  void committed() {
    if (sendersWaiting) {
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
    minCommitted = Math.min(minCommitted, offset);
    return cursor;
  }

  /** Removes a deleted group; senders waiting for room it held are woken. */
  synchronized void leave(GroupCursor cursor) {
    GroupCursor[] kept =
        Arrays.stream(cursors).filter(c -> c != cursor).toArray(GroupCursor[]::new);
    cursors = kept;
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
