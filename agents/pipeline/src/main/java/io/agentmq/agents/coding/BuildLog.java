package io.agentmq.agents.coding;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * The last bytes a build printed, in a ring of fixed size: a build that prints gigabytes holds no
 * more than that in the agent's memory. Thread safe.
 */
final class BuildLog extends OutputStream {
  private final byte[] ring;
  private long written;

  /** A log keeping the last {@code capacity} bytes. */
  BuildLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("a build log keeps at least 1 byte, not " + capacity);
    }
    this.ring = new byte[capacity];
  }

  @Override
  public synchronized void write(int b) {
    ring[(int) (written % ring.length)] = (byte) b;
    written++;
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) {
    if (length >= ring.length) {
      // Only the end of it stays.
      written += length - ring.length;
      offset += length - ring.length;
      length = ring.length;
    }
    int at = (int) (written % ring.length);
    int first = Math.min(length, ring.length - at);
    System.arraycopy(bytes, offset, ring, at, first);
    System.arraycopy(bytes, offset + first, ring, 0, length - first);
    written += length;
  }

  /** How many bytes the build printed in all. */
  synchronized long written() {
    return written;
  }

  /** Whether the start of the output is gone: it printed more than the ring holds. */
  synchronized boolean cut() {
    return written > ring.length;
  }

  /** The bytes kept, oldest first: all of them, or the last {@code capacity}. */
  synchronized byte[] bytes() {
    if (!cut()) {
      return Arrays.copyOf(ring, (int) written);
    }
    int at = (int) (written % ring.length);
    byte[] out = new byte[ring.length];
    System.arraycopy(ring, at, out, 0, ring.length - at);
    System.arraycopy(ring, 0, out, ring.length - at, at);
    return out;
  }
}
