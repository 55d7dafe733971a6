package io.agentmq.agents.coding;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets one agent process at a time work in a working copy, with an operating-system lock ({@link
 * FileLock}) on {@value #FILE_NAME} in its {@code .git} directory: the system drops the lock when
 * the process dies, even by {@code SIGKILL}, so a lock found held has a live holder. Thread safe;
 * close on the thread that acquired.
 */
final class CrossProcessLock implements AutoCloseable {
  /** The file locked in the {@code .git} directory; never deleted, so every process locks one. */
  static final String FILE_NAME = "agentmq.lock";

  private static final Duration LONGEST_PAUSE = Duration.ofMillis(250);

  /**
   * A FileLock belongs to the whole JVM (a second one on the same file throws), so threads of this
   * JVM, whichever agent instance runs them, take turns here first.
   */
  private static final Map<Path, ReentrantLock> IN_THIS_JVM = new ConcurrentHashMap<>();

  private final ReentrantLock inJvm;
  private final FileChannel channel;
  private boolean closed;

  private CrossProcessLock(ReentrantLock inJvm, FileChannel channel) {
    this.inJvm = inJvm;
    this.channel = channel;
  }

  /**
   * Waits at most {@code wait} until no other process (and no other thread of this one) holds the
   * working copy whose git directory is {@code gitDir}, then holds it.
   *
   * @throws WorkingCopyBusyException when it is still held after {@code wait}: retry later
   * @throws InterruptedIOException when interrupted while waiting (the interrupt flag is kept)
   */
  static CrossProcessLock acquire(Path gitDir, Duration wait) throws IOException {
    Path file = gitDir.resolve(FILE_NAME);
    long deadline = System.nanoTime() + wait.toNanos();
    ReentrantLock inJvm =
        IN_THIS_JVM.computeIfAbsent(gitDir.toRealPath(), d -> new ReentrantLock());
    try {
      if (!inJvm.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS)) {
        throw busy(file, wait, "another thread of this process");
      }
    } catch (InterruptedException e) {
      throw interrupted(file);
    }
    FileChannel channel = null;
    try {
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      long pause = Duration.ofMillis(5).toNanos();
      while (channel.tryLock() == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw busy(file, wait, holder(file));
        }
        TimeUnit.NANOSECONDS.sleep(Math.min(pause, left));
        pause = Math.min(pause * 2, LONGEST_PAUSE.toNanos());
      }
      // Who holds it, for the message another process gives while it waits.
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap(
              ("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)),
          0);
      return new CrossProcessLock(inJvm, channel);
    } catch (InterruptedException e) {
      release(inJvm, channel, e);
      throw interrupted(file);
    } catch (IOException | RuntimeException e) {
      release(inJvm, channel, e);
      throw e;
    }
  }

  /** Releases the working copy to other processes and threads; idempotent. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      channel.close(); // releases the FileLock
    } finally {
      inJvm.unlock();
    }
  }

  private static String holder(Path file) {
    try {
      String pid = Files.readString(file, StandardCharsets.UTF_8).strip();
      return pid.isEmpty() ? "another process" : "another process (" + pid + ")";
    } catch (IOException e) {
      return "another process";
    }
  }

  private static WorkingCopyBusyException busy(Path file, Duration wait, String holder) {
    return new WorkingCopyBusyException(
        "the working copy is in use by "
            + holder
            + ", which has held "
            + file
            + " for more than "
            + wait.toMillis()
            + " ms; the task is worth retrying later. Run one coding agent per working copy.");
  }

  private static InterruptedIOException interrupted(Path file) {
    Thread.currentThread().interrupt();
    return new InterruptedIOException("interrupted while waiting for " + file);
  }

  private static void release(ReentrantLock inJvm, FileChannel channel, Exception cause) {
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      cause.addSuppressed(e);
    } finally {
      inJvm.unlock();
    }
  }
}
