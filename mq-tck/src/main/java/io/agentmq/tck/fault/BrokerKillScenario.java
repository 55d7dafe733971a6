package io.agentmq.tck.fault;

import static org.awaitility.Awaitility.await;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The broker killed with SIGKILL while a producer sends and a consumer consumes, then started again
 * on the same data, {@code kills} times: every send whose future completed must be consumed
 * (at-least-once); sends whose future failed are counted, not ledgered; what was in flight at a
 * kill comes back and is counted as duplicates. Producer and consumer run in this JVM and ride
 * through the outage on their clients' reconnection.
 */
public final class BrokerKillScenario {

  /** Kills and restarts the broker under test. */
  public interface Broker {
    /** SIGKILL: the broker process dies at once, nothing flushed or closed. */
    void kill() throws Exception;

    /** Starts it again on the same data and address; returns once it accepts clients. */
    void start() throws Exception;
  }

  /**
   * What happened.
   *
   * @param report the ledger's counts
   * @param issued sends made
   * @param failed sends whose future failed (not in the ledger)
   * @param kills how many times the broker was killed
   * @param slowestRecovery the longest time from a kill until the consumer handled a message sent
   *     after the broker was back
   * @param slowestAnswer the longest time a send waited for its future's outcome
   */
  public record Result(
      Ledger.Report report,
      int issued,
      int failed,
      int kills,
      Duration slowestRecovery,
      Duration slowestAnswer) {
    @Override
    public String toString() {
      return String.format(
          "%s; %d sends, %d failed; %d broker kills, slowest recovery %d ms, slowest send answer %d"
              + " ms",
          report, issued, failed, kills, slowestRecovery.toMillis(), slowestAnswer.toMillis());
    }
  }

  private BrokerKillScenario() {}

  /**
   * Runs the scenario on {@code topic}, read by {@code group}.
   *
   * @param producerQueue sends; configured with the backend's durable defaults and a send timeout
   *     that covers a restart or not (failed sends are counted either way)
   * @param consumerQueue consumes, at-least-once; on brokers that keep messages only for declared
   *     groups (RabbitMQ), {@code group} must be declared for {@code topic} in the configuration of
   *     {@code producerQueue}
   * @param dir where the ledger goes
   */
  public static Result run(
      MessageQueue producerQueue,
      MessageQueue consumerQueue,
      String topic,
      String group,
      Broker broker,
      int kills,
      Path dir)
      throws Exception {
    Ledger ledger = new Ledger(dir);
    RecordingHandler handler = new RecordingHandler(ledger, 0);
    Duration slowest = Duration.ZERO;
    try (Subscriber subscriber =
            consumerQueue.subscribe(
                Subscription.to(topic).group(group).concurrency(2).handler(handler).build());
        SteadySender sender =
            new SteadySender(producerQueue.createProducer(), topic, ledger, 200)) {
      for (int k = 0; k < kills; k++) {
        long before = handler.handled();
        // Mid-stream: the consumer has handled a share of the stream and more keeps coming.
        await().atMost(Duration.ofMinutes(1)).until(() -> handler.handled() >= before + 300);
        long killedAt = System.nanoTime();
        broker.kill();
        broker.start();
        int sentAfterRestart = sender.issued();
        await().atMost(Duration.ofMinutes(2)).until(() -> handler.handledFrom(sentAfterRestart));
        Duration recovery = Duration.ofNanos(System.nanoTime() - killedAt);
        slowest = recovery.compareTo(slowest) > 0 ? recovery : slowest;
      }
      long before = handler.handled();
      await().atMost(Duration.ofMinutes(1)).until(() -> handler.handled() >= before + 200);
      sender.close();
      await().atMost(Duration.ofMinutes(2)).until(sender::answered);
      await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> ledger.consumedIds().containsAll(ledger.sentIds()));
      return new Result(
          ledger.report(),
          sender.issued(),
          sender.failed(),
          kills,
          slowest,
          sender.slowestAnswer());
    }
  }
}
