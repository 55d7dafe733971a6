package io.agentmq.tck.fault;

import static org.awaitility.Awaitility.await;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A network partition between the broker and one side, the producer's or the consumer's: the {@link
 * TcpProxy} that side reaches the broker through black-holes everything for a while, then heals.
 * Sends must get an answer within the send timeout rather than hang, the consumer must resume after
 * the heal, and every send whose future completed must be consumed.
 */
public final class PartitionScenario {

  /**
   * What happened.
   *
   * @param report the ledger's counts
   * @param issued sends made
   * @param failed sends whose future failed (not in the ledger)
   * @param handledDuringPartition handler calls while the partition lasted
   * @param recovery from the heal until the consumer handled a message sent after it
   * @param slowestAnswer the longest time a send waited for its future's outcome
   */
  public record Result(
      Ledger.Report report,
      int issued,
      int failed,
      long handledDuringPartition,
      Duration recovery,
      Duration slowestAnswer) {
    @Override
    public String toString() {
      return String.format(
          "%s; %d sends, %d failed, slowest send answer %d ms; %d handled during the partition,"
              + " recovery after healing %d ms",
          report,
          issued,
          failed,
          slowestAnswer.toMillis(),
          handledDuringPartition,
          recovery.toMillis());
    }
  }

  private PartitionScenario() {}

  /**
   * Runs the scenario on {@code topic}, read by {@code group}.
   *
   * @param producerQueue sends, with a short {@code producer.send_timeout_ms}
   * @param consumerQueue consumes, at-least-once; a different queue, with its own connections
   * @param partitioned the proxy between the partitioned side and the broker
   * @param partition how long nothing passes
   * @param dir where the ledger goes
   */
  public static Result run(
      MessageQueue producerQueue,
      MessageQueue consumerQueue,
      TcpProxy partitioned,
      Duration partition,
      String topic,
      String group,
      Path dir)
      throws Exception {
    Ledger ledger = new Ledger(dir);
    RecordingHandler handler = new RecordingHandler(ledger, 0);
    try (Subscriber subscriber =
            consumerQueue.subscribe(
                Subscription.to(topic).group(group).concurrency(2).handler(handler).build());
        SteadySender sender =
            new SteadySender(producerQueue.createProducer(), topic, ledger, 100)) {
      await().atMost(Duration.ofMinutes(1)).until(() -> handler.handled() >= 200);
      partitioned.blackHole();
      long during = handler.handled();
      Thread.sleep(partition.toMillis()); // the fault's length: nothing to wait for
      during = handler.handled() - during;
      partitioned.heal();
      long healedAt = System.nanoTime();
      int sentAfterHeal = sender.issued();
      await().atMost(Duration.ofMinutes(1)).until(() -> handler.handledFrom(sentAfterHeal));
      Duration recovery = Duration.ofNanos(System.nanoTime() - healedAt);
      long before = handler.handled();
      await().atMost(Duration.ofMinutes(1)).until(() -> handler.handled() >= before + 200);
      sender.close();
      await().atMost(Duration.ofMinutes(1)).until(sender::answered);
      await()
          .atMost(Duration.ofMinutes(1))
          .until(() -> ledger.consumedIds().containsAll(ledger.sentIds()));
      return new Result(
          ledger.report(),
          sender.issued(),
          sender.failed(),
          during,
          recovery,
          sender.slowestAnswer());
    }
  }
}
