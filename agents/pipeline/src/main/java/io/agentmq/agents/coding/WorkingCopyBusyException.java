package io.agentmq.agents.coding;

import java.io.IOException;

/**
 * Another agent process kept a working copy for longer than a task waits for it; worth a retry, as
 * every exception of the coding agent is.
 */
final class WorkingCopyBusyException extends IOException {
  WorkingCopyBusyException(String message) {
    super(message);
  }
}
