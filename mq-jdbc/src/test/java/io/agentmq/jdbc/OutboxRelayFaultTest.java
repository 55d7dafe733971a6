package io.agentmq.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.TopicSpec;
import io.agentmq.kafka.KafkaTestBroker;
import io.agentmq.tck.fault.ChildJvm;
import io.agentmq.tck.fault.Ledger;
import io.agentmq.tck.fault.ReliabilityReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox relay under real crashes: relay processes killed with SIGKILL while a writer commits,
 * on the real PostgreSQL and a real Kafka broker, counted against a ledger of committed messages.
 */
class OutboxRelayFaultTest {
  private static final int KEYS = 20;

  private static MessageQueue queue;
  private static JdbcIdempotencyStore store;

  @TempDir Path dir;
  private JdbcOutbox outbox;
  private String topic;
  private Ledger ledger;

  @BeforeAll
  static void openQueue() {
    queue = MessageQueue.create(KafkaTestBroker.configure(MqConfig.builder()).build());
    store = new JdbcIdempotencyStore(PostgresTestDatabase.url(), Duration.ofHours(1));
  }

  @AfterAll
  static void closeQueue() {
    queue.close();
    store.close();
  }

  @BeforeEach
  void newOutboxAndTopic() throws Exception {
    outbox = OutboxTables.create();
    topic = "outbox-fault-" + UUID.randomUUID().toString().substring(0, 8);
    queue.admin().createTopic(TopicSpec.of(topic, 4));
    ledger = new Ledger(dir);
  }

  @AfterEach
  void dropOutboxAndTopic() throws Exception {
    OutboxTables.drop(outbox);
    queue.admin().deleteTopic(topic);
  }

  private ChildJvm relayProcess(String name, long confirmDelayMs) {
    Map<String, String> environment =
        new HashMap<>(
            Map.of(
                "MQ_BROKER_TYPE", "kafka",
                "KAFKA_BOOTSTRAP_SERVERS", KafkaTestBroker.bootstrapServers(),
                "MQ_KAFKA_LINGER_MS", "1"));
    environment.put("OUTBOX_JDBC_URL", PostgresTestDatabase.url());
    return ChildJvm.start(
        OutboxRelayProcess.class,
        List.of(outbox.table(), "50", name, Long.toString(confirmDelayMs)),
        environment,
        dir.resolve("relay-" + name + ".log"));
  }

  @Test
  @Timeout(600)
  @DisplayName(
      "loses no committed message and publishes no rolled-back one when the relay process is"
          + " killed with SIGKILL mid-batch four times while a writer commits 2,000 messages on 20"
          + " keys; per key the first deliveries keep the commit order, and the idempotency store"
          + " drops every duplicate")
  void relayKilledMidBatch() throws Exception {
    int messages = 2_000;
    int kills = 4;
    Set<String> rolledBack = ConcurrentHashMap.newKeySet();
    AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    List<ChildJvm> relays = new ArrayList<>();
    try (OutboxReader reader = new OutboxReader(queue, topic, ledger, store)) {
      relays.add(relayProcess("r0", 50));
      Thread writer = writer(messages, rolledBack, writerFailure);
      writer.start();
      Duration slowestRecovery = Duration.ZERO;
      for (int k = 0; k < kills; k++) {
        long threshold = (k + 1L) * messages / (kills + 2);
        await().atMost(Duration.ofMinutes(2)).until(() -> consumedLines() >= threshold);
        relays.get(k).kill();
        long killedAt = System.nanoTime();
        long linesAtKill = consumedLines();
        relays.add(relayProcess("r" + (k + 1), 50));
        // Recovered: the next relay process published something.
        await().atMost(Duration.ofMinutes(2)).until(() -> consumedLines() > linesAtKill);
        Duration recovery = Duration.ofNanos(System.nanoTime() - killedAt);
        slowestRecovery = recovery.compareTo(slowestRecovery) > 0 ? recovery : slowestRecovery;
      }
      writer.join();
      assertThat(writerFailure.get()).isNull();
      await()
          .atMost(Duration.ofMinutes(3))
          .until(() -> ledger.consumedIds().containsAll(ledger.sentIds()));
      await().atMost(Duration.ofMinutes(1)).until(() -> OutboxTables.rows(outbox) == 0);
      relays.get(relays.size() - 1).stop();

      Ledger.Report report = ledger.report();
      String counts =
          report
              + "; "
              + kills
              + " relay processes killed; "
              + rolledBack.size()
              + " rolled-back messages, "
              + rolledBackConsumed(rolledBack)
              + " of them published; "
              + reader.handledOnce()
              + " handled after the idempotency store; slowest recovery "
              + slowestRecovery.toMillis()
              + " ms";
      System.out.println("outbox relay SIGKILL x" + kills + ": " + counts);
      ReliabilityReport.record(
          "outbox (PostgreSQL -> kafka)",
          "relay process SIGKILL x" + kills + " mid-batch, at-least-once",
          report,
          Long.toString(slowestRecovery.toMillis()));

      assertThat(report.acknowledged()).isEqualTo(messages);
      assertThat(report.lost()).isEmpty();
      assertThat(report.reordered()).isZero();
      assertThat(rolledBackConsumed(rolledBack)).isZero();
      // A kill between a batch's sends and its delete makes the next relay send those rows again.
      assertThat(report.duplicates())
          .as("duplicates from kills that landed mid-batch")
          .isPositive();
      assertThat(reader.handledOnce()).isEqualTo(messages);
    } finally {
      relays.forEach(ChildJvm::close);
    }
  }

  @Test
  @Timeout(300)
  @DisplayName(
      "keeps a second relay as a standby that publishes nothing while the first runs, and lets it"
          + " take over, losing nothing, when the first relay's process is killed")
  void standbyTakesOver() throws Exception {
    try (OutboxReader reader = new OutboxReader(queue, topic, ledger, store);
        ChildJvm first = relayProcess("a", 0)) {
      writeAndAwait(0, 100, reader);
      try (OutboxRelay standby =
          OutboxRelay.builder(
                  PostgresTestDatabase.url(),
                  OutboxRelayProcess.marking(queue.createProducer(), "b", 0))
              .outbox(outbox)
              .pollInterval(Duration.ofMillis(20))
              .start()) {
        writeAndAwait(100, 300, reader);
        assertThat(standby.isActive()).isFalse();
        assertThat(standby.relayed()).isZero();
        assertThat(relayedBy(reader)).containsOnlyKeys("a");

        first.kill();
        long killedAt = System.nanoTime();
        await()
            .atMost(Duration.ofMinutes(1))
            .pollInterval(Duration.ofMillis(10))
            .until(standby::isActive);
        System.out.println(
            "outbox standby took over "
                + Duration.ofNanos(System.nanoTime() - killedAt).toMillis()
                + " ms after the first relay was killed");
        writeAndAwait(300, 400, reader);
        assertThat(standby.relayed()).isGreaterThanOrEqualTo(100);
      }
      Ledger.Report report = ledger.report();
      System.out.println(
          "outbox standby takeover: " + report + ", relayed by " + relayedBy(reader));
      assertThat(report.acknowledged()).isEqualTo(400);
      assertThat(report.lost()).isEmpty();
      assertThat(report.reordered()).isZero();
      assertThat(relayedBy(reader)).containsOnlyKeys("a", "b");
    }
  }

  /** Commits messages {@code from} to {@code to} one per transaction, then waits for all. */
  private void writeAndAwait(int from, int to, OutboxReader reader) throws Exception {
    try (Connection tx = OutboxTables.connect()) {
      tx.setAutoCommit(false);
      for (int i = from; i < to; i++) {
        String key = "k" + (i % KEYS);
        long seq = i / KEYS;
        Message m = Message.of(key, Long.toString(seq).getBytes(StandardCharsets.UTF_8));
        outbox.write(tx, topic, m);
        tx.commit();
        ledger.sent(m.id(), key, seq);
      }
    }
    await()
        .atMost(Duration.ofMinutes(1))
        .until(() -> ledger.consumedIds().containsAll(ledger.sentIds()));
  }

  /** How many messages each relay published, by the relay's name. */
  private static Map<String, Long> relayedBy(OutboxReader reader) {
    Map<String, Long> counts = new HashMap<>();
    for (Message m : reader.received()) {
      counts.merge(m.header(OutboxRelayProcess.RELAYED_BY).orElse("?"), 1L, Long::sum);
    }
    return counts;
  }

  /**
   * A writer committing {@code messages} messages on {@link #KEYS} keys, one to five per
   * transaction, recording each in the ledger once its transaction committed; every tenth
   * transaction is followed by one of three messages that is rolled back.
   */
  private Thread writer(int messages, Set<String> rolledBack, AtomicReference<Throwable> failure) {
    return new Thread(
        () -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          try (Connection tx = OutboxTables.connect()) {
            tx.setAutoCommit(false);
            int i = 0;
            for (int t = 0; i < messages; t++) {
              List<String[]> committed = new ArrayList<>();
              for (int n = 1 + random.nextInt(5); n > 0 && i < messages; n--, i++) {
                String key = "k" + (i % KEYS);
                long seq = i / KEYS;
                Message m = Message.of(key, Long.toString(seq).getBytes(StandardCharsets.UTF_8));
                outbox.write(tx, topic, m);
                committed.add(new String[] {m.id(), key, Long.toString(seq)});
              }
              tx.commit();
              committed.forEach(c -> ledger.sent(c[0], c[1], Long.parseLong(c[2])));
              if (t % 10 == 9) {
                for (int n = 0; n < 3; n++) {
                  Message m = Message.of("k" + n, "rolled-back".getBytes(StandardCharsets.UTF_8));
                  outbox.write(tx, topic, m);
                  rolledBack.add(m.id());
                }
                tx.rollback();
              }
              Thread.sleep(25); // a steady stream over several relay lifetimes
            }
          } catch (Throwable e) {
            failure.set(e);
          }
        },
        "outbox-writer");
  }

  private long rolledBackConsumed(Set<String> rolledBack) {
    Set<String> consumed = ledger.consumedIds();
    return rolledBack.stream().filter(consumed::contains).count();
  }

  private long consumedLines() {
    Path file = ledger.consumedFile(0);
    if (!Files.exists(file)) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(file)) {
      return lines.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
