package io.agentmq.tck;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.deadletter.DeadLetterFilter;
import io.agentmq.api.deadletter.ReplayOptions;

/**
 * A replay in a process of its own, slowed down so that a test can kill it halfway: {@code main
 * TOPIC KEY=VALUE...} replays the topic's dead letters with the given settings, committing every
 * 10, printing each examined count.
 */
public final class DeadLetterReplayProcess {
  private DeadLetterReplayProcess() {}

  public static void main(String[] args) throws Exception {
    MqConfig.Builder config = MqConfig.builder();
    for (int i = 1; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      config.set(kv[0], kv[1]);
    }
    try (MessageQueue queue = MessageQueue.create(config.build())) {
      queue
          .deadLetters()
          .replay(
              args[0],
              DeadLetterFilter.ALL,
              ReplayOptions.defaults()
                  .withCommitEvery(10)
                  .withProgress(
                      (examined, total) -> {
                        System.out.println("examined " + examined + " of " + total);
                        try {
                          Thread.sleep(50);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }));
    }
    System.out.println("done");
  }
}
