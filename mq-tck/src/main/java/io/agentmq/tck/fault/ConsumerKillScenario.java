package io.agentmq.tck.fault;

import static org.awaitility.Awaitility.await;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.Producer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Consumer processes killed with SIGKILL mid-stream: while the test sends a steady stream of keyed
 * messages, the consumer process ({@link LedgerConsumer} in a {@link ChildJvm}) is killed {@code
 * kills} times once it has handled some of them, and a new one started each time; a last one drains
 * the topic. Every acknowledged send must be handled (at-least-once); what was in flight at a kill
 * comes back, and is counted as duplicates.
 */
public final class ConsumerKillScenario {

  /**
   * What happened.
   *
   * @param report the ledger's counts
   * @param kills how many consumer processes were killed
   * @param slowestRecovery the longest time from a kill to the next process's first handled message
   */
  public record Result(Ledger.Report report, int kills, Duration slowestRecovery) {
    @Override
    public String toString() {
      return report
          + ", "
          + kills
          + " consumer processes killed, slowest recovery "
          + slowestRecovery.toMillis()
          + " ms";
    }
  }

  private ConsumerKillScenario() {}

  /**
   * Runs the scenario on {@code topic}, read by {@code group}.
   *
   * @param queue the test's queue, used to send; on brokers that keep messages only for declared
   *     groups (RabbitMQ), {@code group} must be declared for {@code topic} in its configuration
   * @param consumerEnvironment how the consumer processes reach the broker: {@code MQ_BROKER_TYPE}
   *     and the backend's variables, e.g. a short Kafka session timeout so a killed member's
   *     partitions move quickly
   * @param dir where the ledger and the processes' logs go
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
    Ledger ledger = new Ledger(dir);
    List<ChildJvm> consumers = new ArrayList<>();
    AtomicInteger failed = new AtomicInteger();
    try {
      Thread sender = sender(queue, topic, messages, ledger, failed);
      Duration slowest =
          killMidStream(
              ledger,
              n -> consumer(n, ledger, consumerEnvironment, topic, group, dir, List.of()),
              consumers,
              sender,
              messages,
              kills);
      awaitDrained(sender, ledger, failed, messages);
      consumers.get(consumers.size() - 1).stop();
      return new Result(ledger.report(), kills, slowest);
    } finally {
      consumers.forEach(ChildJvm::close);
    }
  }

  /**
   * Starts consumer process 0 and the sender, then {@code kills} times: waits until the newest
   * process has handled a share of the stream, kills it, starts the next and waits for its first
   * handled message. Returns the slowest of those recoveries; the processes are added to {@code
   * consumers}, the last one still running.
   */
  static Duration killMidStream(
      Ledger ledger,
      IntFunction<ChildJvm> start,
      List<ChildJvm> consumers,
      Thread sender,
      int messages,
      int kills) {
    Duration slowest = Duration.ZERO;
    consumers.add(start.apply(0));
    sender.start();
    for (int k = 0; k < kills; k++) {
      Path file = ledger.consumedFile(k);
      // Mid-stream: this process has handled a share of the stream and more keeps coming.
      await()
          .atMost(Duration.ofMinutes(3))
          .until(() -> lineCount(file) >= messages / (2L * (kills + 1)));
      consumers.get(k).kill();
      long killedAt = System.nanoTime();
      consumers.add(start.apply(k + 1));
      Path next = ledger.consumedFile(k + 1);
      await().atMost(Duration.ofMinutes(3)).until(() -> lineCount(next) > 0);
      Duration recovery = Duration.ofNanos(System.nanoTime() - killedAt);
      slowest = recovery.compareTo(slowest) > 0 ? recovery : slowest;
    }
    return slowest;
  }

  /**
   * Waits until the sender has an answer for every message and every acknowledged one has been
   * handled by some consumer process.
   */
  static void awaitDrained(Thread sender, Ledger ledger, AtomicInteger failed, int messages)
      throws InterruptedException {
    sender.join();
    await()
        .atMost(Duration.ofMinutes(3))
        .until(() -> ledger.sentIds().size() + failed.get() == messages);
    await()
        .atMost(Duration.ofMinutes(3))
        .until(() -> ledger.consumedIds().containsAll(ledger.sentIds()));
  }

  /** Consumer process {@code n}, with {@link LedgerConsumer}'s optional arguments {@code extra}. */
  static ChildJvm consumer(
      int n,
      Ledger ledger,
      Map<String, String> environment,
      String topic,
      String group,
      Path dir,
      List<String> extra) {
    List<String> args =
        new ArrayList<>(List.of(ledger.consumedFile(n).toString(), topic, group, "2"));
    args.addAll(extra);
    return ChildJvm.start(
        LedgerConsumer.class, args, environment, dir.resolve("consumer-" + n + ".log"));
  }

  /** 16 keys; a message's payload is its sequence number within its key. */
  static Thread sender(
      MessageQueue queue, String topic, int messages, Ledger ledger, AtomicInteger failed) {
    Producer producer = queue.createProducer();
    return new Thread(
        () -> {
          for (int i = 0; i < messages; i++) {
            String key = "k" + (i % 16);
            long seq = i / 16;
            producer
                .send(topic, Message.of(key, Long.toString(seq).getBytes(StandardCharsets.UTF_8)))
                .whenComplete(
                    (report, error) -> {
                      if (error == null) {
                        ledger.sent(report.messageId(), key, seq);
                      } else {
                        failed.incrementAndGet();
                      }
                    });
            if (i % 10 == 9) {
              try {
                Thread.sleep(10); // a steady stream: the kills land mid-stream
              } catch (InterruptedException e) {
                return;
              }
            }
          }
          producer.flush();
        },
        "fault-sender");
  }

  static long lineCount(Path file) {
    if (!Files.exists(file)) {
      return 0;
    }
    try (var lines = Files.lines(file)) {
      return lines.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
