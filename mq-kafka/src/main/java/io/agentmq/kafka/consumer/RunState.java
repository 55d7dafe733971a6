package io.agentmq.kafka.consumer;

/**
 * Whether a consumer still runs, is paused by its user, or was aborted (set by the facade), and the
 * VirtualMachineError a handler ended with (set by a worker): read by the poll thread, the workers,
 * the drains and the facade's status.
 */
final class RunState {
  private volatile boolean running = true;
  private volatile boolean paused;
  private volatile boolean aborted;
  private volatile Throwable handlerError;
  private volatile long polledAt = System.nanoTime();
  private volatile boolean rejoining;
  private volatile long sessionNanos = Long.MAX_VALUE;

  boolean running() {
    return running;
  }

  boolean paused() {
    return paused;
  }

  /** Stopped as a crash would: nothing more is committed, producers close without waiting. */
  boolean aborted() {
    return aborted;
  }

  void pause() {
    paused = true;
  }

  void resume() {
    paused = false;
  }

  void stop() {
    running = false;
  }

  void abort() {
    aborted = true;
  }

  /** The group's session timeout: a poll loop silent longer may have lost its partitions. */
  void sessionTimeout(long nanos) {
    sessionNanos = nanos;
  }

  /** The poll loop's call to poll() returned at {@code nanos}. */
  void polled(long nanos) {
    polledAt = nanos;
  }

  /** The poll loop asked the group to rebalance, or the rebalance it asked for completed. */
  void rejoining(boolean asked) {
    rejoining = asked;
  }

  /**
   * Whether this member may have lost its partitions without being told yet: the poll loop has not
   * returned from a poll for longer than the session (the process was frozen, a long GC pause), or
   * it asked the group to rebalance for that reason and the new assignment has not come. No record
   * is handed out meanwhile, so a thawed zombie does not handle what the group gave away.
   */
  boolean membershipInDoubt() {
    return rejoining || System.nanoTime() - polledAt > sessionNanos;
  }

  /** The first VirtualMachineError a handler ended with, or null: the JVM may not be sound. */
  Throwable handlerError() {
    return handlerError;
  }

  synchronized void handlerError(Throwable error) {
    if (handlerError == null) {
      handlerError = error;
    }
  }
}
