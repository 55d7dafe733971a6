package io.agentmq.agents.cli;

import io.agentmq.api.MessageQueue;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The clean-up of a command's private consumer group ({@code tail}, {@code submit}): on RabbitMQ a
 * group is a durable queue that would keep collecting messages after the command is gone.
 */
final class TemporaryGroup {
  private TemporaryGroup() {}

  /**
   * Runs once, from the command or from its shutdown hook (Ctrl-C): runs {@code stopConsumers} (a
   * group with live consumers cannot be deleted), deletes {@code group}, then runs {@code close}. A
   * failure to delete is reported on {@code err}, not thrown.
   */
  static Runnable cleanUp(
      MessageQueue queue, String group, Runnable stopConsumers, Runnable close, PrintWriter err) {
    AtomicBoolean done = new AtomicBoolean();
    return () -> {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      try {
        stopConsumers.run();
        queue.admin().deleteGroup(group);
      } catch (RuntimeException e) {
        err.println(
            "agentmq: could not delete the temporary group " + group + ": " + e.getMessage());
        err.flush();
      } finally {
        close.run();
      }
    };
  }
}
