package io.agentmq.tck.fault;

import static org.awaitility.Awaitility.await;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.Subscription;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Exactly-once consumer processes killed with SIGKILL mid-stream, seen from downstream: each
 * consumer process ({@link LedgerConsumer} relaying every message it handles to {@code
 * <topic>.relayed}) is killed {@code kills} times as in {@link ConsumerKillScenario}, while an
 * exactly-once subscriber of the test's queue records what arrives on the relay topic. The upstream
 * ledger counts handler runs (a handler killed before its outcome was stored runs again); the
 * downstream ledger counts the handling's effects, which must reach the next consumer once each.
 */
public final class EffectivelyOnceKillScenario {

  /**
   * What happened.
   *
   * @param handled handler runs in the killed processes, against the acknowledged sends
   * @param relayed what the downstream subscriber handled, against the same sends
   * @param kills how many consumer processes were killed
   * @param slowestRecovery the longest time from a kill to the next process's first handled message
   */
  public record Result(
      Ledger.Report handled, Ledger.Report relayed, int kills, Duration slowestRecovery) {
    @Override
    public String toString() {
      return "handler runs: "
          + handled
          + "; relayed downstream: "
          + relayed
          + "; "
          + kills
          + " consumer processes killed, slowest recovery "
          + slowestRecovery.toMillis()
          + " ms";
    }
  }

  private EffectivelyOnceKillScenario() {}

  /** The topic the consumer processes relay to. */
  public static String relayTopic(String topic) {
    return topic + ".relayed";
  }

  /**
   * Runs the scenario on {@code topic}, read by {@code group}.
   *
   * @param queue the test's queue, in exactly-once mode: it sends, and subscribes the group {@code
   *     downstream} to {@link #relayTopic}; on RabbitMQ both groups must be declared in its
   *     configuration
   * @param consumerEnvironment how the consumer processes reach the broker, in exactly-once mode
   *     with the idempotency store under test
   * @param dir where the ledgers and the processes' logs go
   */
  public static Result run(
      MessageQueue queue,
      Map<String, String> consumerEnvironment,
      String topic,
      String group,
      int messages,
      int kills,
      Path dir)
      throws Exception {
    Ledger handled = new Ledger(dir.resolve("handled"));
    Ledger relayed = new Ledger(dir.resolve("relayed"));
    Path relayedFile = relayed.consumedFile(0);
    String relayTopic = relayTopic(topic);
    queue.subscribe(
        Subscription.to(relayTopic)
            .group("downstream")
            .handler(
                d ->
                    Ledger.append(
                        relayedFile,
                        Ledger.consumedLine(
                            d.message().header(LedgerConsumer.RELAYED_ID).orElseThrow(),
                            d.message().key().orElse("-"),
                            new String(d.message().payload(), StandardCharsets.UTF_8))))
            .build());
    List<ChildJvm> consumers = new ArrayList<>();
    AtomicInteger failed = new AtomicInteger();
    try {
      Thread sender = ConsumerKillScenario.sender(queue, topic, messages, handled, failed);
      Duration slowest =
          ConsumerKillScenario.killMidStream(
              handled,
              n ->
                  ConsumerKillScenario.consumer(
                      n, handled, consumerEnvironment, topic, group, dir, List.of(relayTopic)),
              consumers,
              sender,
              messages,
              kills);
      ConsumerKillScenario.awaitDrained(sender, handled, failed, messages);
      await()
          .atMost(Duration.ofMinutes(3))
          .until(() -> relayed.consumedIds().containsAll(handled.sentIds()));
      consumers.get(consumers.size() - 1).stop();
      copySends(handled, relayed);
      return new Result(handled.report(), relayed.report(), kills, slowest);
    } finally {
      consumers.forEach(ChildJvm::close);
    }
  }

  /** Both ledgers count against the same acknowledged sends. */
  private static void copySends(Ledger from, Ledger to) {
    try {
      Files.copy(
          from.dir().resolve(Ledger.SENT),
          to.dir().resolve(Ledger.SENT),
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
