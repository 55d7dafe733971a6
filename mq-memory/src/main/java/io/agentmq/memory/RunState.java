package io.agentmq.memory;

/**
 * Whether a consumer still runs or is paused by its user: set by {@link MemorySubscriber}, read by
 * its {@link PollingThread}s and {@link PartitionWorker}s on every poll and message.
 */
final class RunState {
  private volatile boolean running = true;
  private volatile boolean paused;

  boolean running() {
    return running;
  }

  boolean paused() {
    return paused;
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
}
