package io.agentmq.kafka.consumer;

/**
 * Whether a consumer still runs, is paused by its user, or was aborted: set by the facade, read by
 * the poll thread, the workers and the drains.
 */
final class RunState {
  private volatile boolean running = true;
  private volatile boolean paused;
  private volatile boolean aborted;

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
}
