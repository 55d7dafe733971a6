package io.agentmq.tck.fault;

import static org.awaitility.Awaitility.await;

import io.agentmq.api.MessageQueue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A consumer process frozen with SIGSTOP (a long GC pause, a zombie) while a second one of its
 * group runs: the group moves the frozen one's partitions to the other; thawed with SIGCONT, the
 * zombie finds them gone. Every acknowledged send must be handled; what the zombie held when it
 * froze comes back to the other consumer and is counted as duplicates.
 */
public final class FrozenConsumerScenario {

  /**
   * What happened.
   *
   * @param report the ledger's counts
   * @param handledByOtherWhileFrozen messages the second consumer handled while the first was
   *     frozen: the group moved partitions away from the zombie
   * @param duplicatesByZombie of the duplicates, those the first consumer handled after it was
   *     thawed: what a zombie did with work the group had given away
   */
  public record Result(
      Ledger.Report report, long handledByOtherWhileFrozen, long duplicatesByZombie) {}

  private FrozenConsumerScenario() {}

  /**
   * Runs the scenario on {@code topic}, read by {@code group}.
   *
   * @param frozenFor how long the first consumer stays stopped; longer than the group's session
   *     timeout, so that the group takes its partitions away
   */
  public static Result run(
      MessageQueue queue,
      Map<String, String> consumerEnvironment,
      String topic,
      String group,
      int messages,
      Duration frozenFor,
      Path dir)
      throws Exception {
    Ledger ledger = new Ledger(dir);
    List<ChildJvm> consumers = new ArrayList<>();
    AtomicInteger failed = new AtomicInteger();
    try {
      consumers.add(
          ConsumerKillScenario.consumer(
              0, ledger, consumerEnvironment, topic, group, dir, List.of()));
      consumers.add(
          ConsumerKillScenario.consumer(
              1, ledger, consumerEnvironment, topic, group, dir, List.of()));
      Thread sender = ConsumerKillScenario.sender(queue, topic, messages, ledger, failed);
      sender.start();
      Path first = ledger.consumedFile(0);
      Path second = ledger.consumedFile(1);
      await()
          .atMost(Duration.ofMinutes(3))
          .until(() -> ConsumerKillScenario.lineCount(first) >= messages / 10);
      consumers.get(0).freeze();
      long before = ConsumerKillScenario.lineCount(second);
      Thread.sleep(frozenFor.toMillis()); // the fault itself: the process is stopped this long
      long handledWhileFrozen = ConsumerKillScenario.lineCount(second) - before;
      long thawedAt = Ledger.nowMicros();
      consumers.get(0).thaw();
      ConsumerKillScenario.awaitDrained(sender, ledger, failed, messages);
      consumers.forEach(ChildJvm::stop);
      return new Result(ledger.report(), handledWhileFrozen, ledger.duplicatesBy(0, thawedAt));
    } finally {
      consumers.forEach(ChildJvm::close);
    }
  }
}
