package io.agentmq.tck.fault;

import static org.awaitility.Awaitility.await;

import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A message that kills every consumer process that handles it (a native crash, an OOM kill): the
 * process is restarted each time it dies, as a supervisor would. The message must reach its
 * dead-letter topic once its attempts are used up, crashes counted as attempts, and the messages
 * behind it must flow.
 */
public final class PoisonCrashScenario {

  /**
   * What happened.
   *
   * @param report the ledger's counts for the healthy messages
   * @param crashes consumer processes the poison killed
   * @param deadLetterReason the {@code mq-dlq-reason} of the poison's dead letter
   */
  public record Result(Ledger.Report report, int crashes, String deadLetterReason) {}

  private PoisonCrashScenario() {}

  /**
   * Sends {@code healthy} messages with the poison among them, all with one key (so in one
   * partition or queue, in order), then runs consumer processes until the healthy ones are handled.
   *
   * @param consumerEnvironment how the consumer processes reach the broker, and their {@code
   *     MQ_MAX_RETRIES}
   */
  public static Result run(
      MessageQueue queue,
      Map<String, String> consumerEnvironment,
      String topic,
      String group,
      int healthy,
      int maxRestarts,
      Path dir)
      throws Exception {
    Ledger ledger = new Ledger(dir);
    Queue<Delivery> deadLetters = new ConcurrentLinkedQueue<>();
    queue.subscribe(
        Subscription.to(DeadLetterPolicy.deadLetterTopic(topic))
            .group(group + "-dlq-reader")
            .handler(deadLetters::add)
            .build());
    Producer producer = queue.createProducer();
    String poisonId = null;
    for (int i = 0; i < healthy; i++) {
      if (i == healthy / 4) {
        poisonId =
            producer
                .sendAndWait(
                    topic, Message.of("k0", LedgerConsumer.POISON.getBytes(StandardCharsets.UTF_8)))
                .messageId();
      }
      String id =
          producer
              .sendAndWait(
                  topic, Message.of("k0", Integer.toString(i).getBytes(StandardCharsets.UTF_8)))
              .messageId();
      ledger.sent(id, "k0", i);
    }
    int crashes = 0;
    int n = 0;
    while (!ledger.consumedIds().containsAll(ledger.sentIds())) {
      if (n > maxRestarts) {
        throw new AssertionError(
            "the healthy messages did not get through after "
                + maxRestarts
                + " restarts: "
                + ledger.report());
      }
      try (ChildJvm consumer =
          ChildJvm.start(
              LedgerConsumer.class,
              List.of(ledger.consumedFile(n).toString(), topic, group, "1"),
              consumerEnvironment,
              dir.resolve("consumer-" + n + ".log"))) {
        await()
            .atMost(Duration.ofMinutes(2))
            .until(() -> !consumer.isAlive() || ledger.consumedIds().containsAll(ledger.sentIds()));
        if (!consumer.isAlive()) {
          crashes++;
        } else {
          consumer.stop();
        }
      }
      n++;
    }
    String poison = poisonId;
    await()
        .atMost(Duration.ofMinutes(1))
        .until(() -> deadLetters.stream().anyMatch(d -> d.id().equals(poison)));
    String reason =
        deadLetters.stream()
            .filter(d -> d.id().equals(poison))
            .findFirst()
            .flatMap(d -> d.header(Headers.DLQ_REASON))
            .orElse("");
    return new Result(ledger.report(), crashes, reason);
  }
}
