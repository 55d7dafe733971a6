package io.agentmq.api;

/** Where a consumer group that has never consumed a topic starts. */
public enum StartPosition {
  /** The oldest message the broker still holds. */
  EARLIEST,
  /** Only messages published after the group first subscribes. */
  LATEST
}
