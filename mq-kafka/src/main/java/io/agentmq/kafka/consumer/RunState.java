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
