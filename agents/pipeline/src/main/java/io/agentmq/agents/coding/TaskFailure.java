package io.agentmq.agents.coding;

/**
 * Why a task cannot be carried out; becomes the failed result's error. Not worth a retry, so it
 * carries no stack trace.
 */
final class TaskFailure extends Exception {
  TaskFailure(String message) {
    super(message, null, false, false);
  }
}
