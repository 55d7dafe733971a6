package io.agentmq.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.agentmq.api.ConfigException;
import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.TopicSpec;
import io.agentmq.kafka.KafkaTestBroker;
import io.agentmq.tck.fault.Ledger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The transactional outbox on the real PostgreSQL, relayed to a real Kafka broker. */
@Timeout(180)
class JdbcOutboxTest {
  private static MessageQueue queue;
  private static JdbcIdempotencyStore store;

  @TempDir Path dir;
  private JdbcOutbox outbox;
  private String topic;

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
    topic = "outbox-" + UUID.randomUUID().toString().substring(0, 8);
    queue.admin().createTopic(TopicSpec.of(topic, 4));
  }

  @AfterEach
  void dropOutboxAndTopic() throws Exception {
    OutboxTables.drop(outbox);
    queue.admin().deleteTopic(topic);
  }

  private OutboxRelay relay() {
    return OutboxRelay.builder(PostgresTestDatabase.url(), queue.createProducer())
        .outbox(outbox)
        .batchSize(7)
        .pollInterval(Duration.ofMillis(20))
        .start();
  }

  private static Message numbered(String key, int seq) {
    return Message.builder(Integer.toString(seq).getBytes(StandardCharsets.UTF_8))
        .key(key)
        .header("trace", key + "-" + seq)
        .build();
  }

  @Nested
  @DisplayName("relaying")
  class Relaying {
    @Test
    @DisplayName(
        "publishes a committed transaction's messages in order per key, with their ids, headers"
            + " and timestamps, and deletes the rows")
    void committedInOrderPerKey() throws Exception {
      Map<String, Message> written = new LinkedHashMap<>();
      try (Connection tx = OutboxTables.connect()) {
        tx.setAutoCommit(false);
        Producer producer = outbox.producer(tx);
        for (int seq = 0; seq < 10; seq++) {
          for (String key : List.of("a", "b", "c")) {
            Message m = numbered(key, seq);
            if (key.equals("c")) {
              producer.sendAndWait(topic, m);
            } else {
              outbox.write(tx, topic, m);
            }
            written.put(m.id(), m);
          }
        }
        tx.commit();
      }
      assertThat(OutboxTables.rows(outbox)).isEqualTo(30);

      try (OutboxReader reader = new OutboxReader(queue, topic, new Ledger(dir), store);
          OutboxRelay relay = relay()) {
        await().atMost(Duration.ofMinutes(1)).until(() -> reader.received().size() >= 30);
        await().atMost(Duration.ofMinutes(1)).until(() -> OutboxTables.rows(outbox) == 0);
        assertThat(relay.isActive()).isTrue();
        assertThat(relay.relayed()).isEqualTo(30);

        Map<String, List<String>> payloadsPerKey = new LinkedHashMap<>();
        for (Message m : reader.received()) {
          Message sent = written.get(m.id());
          assertThat(sent).as("a written message, by id").isNotNull();
          assertThat(m.key()).isEqualTo(sent.key());
          assertThat(m.header("trace")).isEqualTo(sent.header("trace"));
          assertThat(m.timestampMillis()).isEqualTo(sent.timestampMillis());
          payloadsPerKey
              .computeIfAbsent(m.key().orElseThrow(), k -> new ArrayList<>())
              .add(m.payloadAsText());
        }
        List<String> inOrder = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        assertThat(payloadsPerKey)
            .containsOnlyKeys("a", "b", "c")
            .allSatisfy((key, payloads) -> assertThat(payloads).isEqualTo(inOrder));
      }
    }

    @Test
    @DisplayName(
        "publishes nothing of a rolled-back transaction, while the committed one after it is"
            + " published")
    void rolledBackPublishesNothing() throws Exception {
      Set<String> rolledBack = new HashSet<>();
      try (Connection tx = OutboxTables.connect()) {
        tx.setAutoCommit(false);
        for (int seq = 0; seq < 5; seq++) {
          Message m = numbered("k", seq);
          outbox.write(tx, topic, m);
          rolledBack.add(m.id());
        }
        tx.rollback();
        Message marker = numbered("k", 99);
        outbox.write(tx, topic, marker);
        tx.commit();

        try (OutboxReader reader = new OutboxReader(queue, topic, new Ledger(dir), store);
            OutboxRelay relay = relay()) {
          // The marker was written after the rolled-back rows: once it is out, they had their turn.
          await()
              .atMost(Duration.ofMinutes(1))
              .until(() -> reader.received().stream().anyMatch(m -> m.id().equals(marker.id())));
          await().atMost(Duration.ofMinutes(1)).until(() -> OutboxTables.rows(outbox) == 0);
          assertThat(reader.received()).extracting(Message::id).containsExactly(marker.id());
          assertThat(relay.relayed()).isEqualTo(1);
        }
      }
    }

    @Test
    @DisplayName(
        "publishes one key's messages in commit order when two transactions write that key at"
            + " once: the second waits for the first to end")
    void concurrentTransactionsOfOneKey() throws Exception {
      try (OutboxReader reader = new OutboxReader(queue, topic, new Ledger(dir), store);
          OutboxRelay relay = relay();
          Connection first = OutboxTables.connect();
          Connection second = OutboxTables.connect()) {
        first.setAutoCommit(false);
        second.setAutoCommit(false);
        long secondPid = backendPid(second);
        outbox.write(first, topic, numbered("k", 0));
        CompletableFuture<Void> secondTx =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    outbox.write(second, topic, numbered("k", 1));
                    second.commit();
                  } catch (SQLException e) {
                    throw new IllegalStateException(e);
                  }
                });
        // Either the second transaction waits on the key's lock, or (were there no lock) it
        // committed and its message went out before the first transaction's.
        await()
            .atMost(Duration.ofMinutes(1))
            .until(() -> waitsOnAdvisoryLock(secondPid) || !reader.received().isEmpty());
        first.commit();
        secondTx.get(1, TimeUnit.MINUTES);
        await().atMost(Duration.ofMinutes(1)).until(() -> reader.received().size() >= 2);
        assertThat(reader.received()).extracting(Message::payloadAsText).containsExactly("0", "1");
      }
    }

    private long backendPid(Connection c) throws SQLException {
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
        rs.next();
        return rs.getLong(1);
      }
    }

    private boolean waitsOnAdvisoryLock(long pid) throws SQLException {
      try (Connection c = OutboxTables.connect();
          PreparedStatement s =
              c.prepareStatement(
                  "SELECT count(*) FROM pg_stat_activity WHERE pid = ?"
                      + " AND wait_event_type = 'Lock' AND wait_event = 'advisory'")) {
        s.setLong(1, pid);
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          return rs.getLong(1) == 1;
        }
      }
    }

    @Test
    @DisplayName(
        "stops a batch at a failed send and deletes only the rows before it; the failed row and"
            + " those after it are sent again, in order, and none is lost")
    void failedSendStopsTheBatch() throws Exception {
      try (Connection tx = OutboxTables.connect()) {
        tx.setAutoCommit(false);
        for (int seq = 0; seq < 10; seq++) {
          outbox.write(tx, topic, numbered("k", seq));
        }
        tx.commit();
      }
      // The broker connection drops after three sends of the first batch: those after fail too.
      AtomicInteger sends = new AtomicInteger();
      Producer real = queue.createProducer();
      Producer failing =
          new Producer() {
            @Override
            public CompletableFuture<DeliveryReport> send(String t, Message m) {
              int n = sends.getAndIncrement();
              return n >= 3 && n < 7
                  ? CompletableFuture.failedFuture(MessagingException.retriable("connection lost"))
                  : real.send(t, m);
            }

            @Override
            public void flush() {
              real.flush();
            }

            @Override
            public void close() {
              real.close();
            }
          };
      try (OutboxReader reader = new OutboxReader(queue, topic, new Ledger(dir), store);
          OutboxRelay relay =
              OutboxRelay.builder(PostgresTestDatabase.url(), failing)
                  .outbox(outbox)
                  .batchSize(7)
                  .pollInterval(Duration.ofMillis(20))
                  .start()) {
        await().atMost(Duration.ofMinutes(1)).until(() -> OutboxTables.rows(outbox) == 0);
        await().atMost(Duration.ofMinutes(1)).until(() -> reader.received().size() >= 10);
        assertThat(relay.relayed()).isEqualTo(10);
        assertThat(sends.get()).isEqualTo(14); // 7 in the first round, 7 again from row 3 on
        assertThat(reader.received())
            .extracting(Message::payloadAsText)
            .containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
      }
    }

    @Test
    @DisplayName(
        "keeps a second relay as a standby, and hands over when the active one closes, also when"
            + " both take their connections from one pool that stays open")
    void standbyOnAPool() throws Exception {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(PostgresTestDatabase.url());
      config.setMaximumPoolSize(2);
      try (HikariDataSource pool = new HikariDataSource(config);
          OutboxReader reader = new OutboxReader(queue, topic, new Ledger(dir), store);
          OutboxRelay first =
              OutboxRelay.builder(pool, queue.createProducer())
                  .outbox(outbox)
                  .pollInterval(Duration.ofMillis(20))
                  .start()) {
        await().atMost(Duration.ofMinutes(1)).until(first::isActive);
        try (OutboxRelay second =
                OutboxRelay.builder(pool, queue.createProducer())
                    .outbox(outbox)
                    .pollInterval(Duration.ofMillis(20))
                    .start();
            Connection tx = OutboxTables.connect()) {
          tx.setAutoCommit(false);
          outbox.write(tx, topic, numbered("k", 0));
          tx.commit();
          await().atMost(Duration.ofMinutes(1)).until(() -> first.relayed() == 1);
          assertThat(second.isActive()).isFalse();

          first.close();
          await().atMost(Duration.ofMinutes(1)).until(second::isActive);
          outbox.write(tx, topic, numbered("k", 1));
          tx.commit();
          await().atMost(Duration.ofMinutes(1)).until(() -> second.relayed() == 1);
          assertThat(reader.received())
              .extracting(Message::payloadAsText)
              .containsExactly("0", "1");
        }
      }
    }

    @Test
    @DisplayName("relays rows written while it runs, in order per key")
    void rowsWrittenWhileRunning() throws Exception {
      try (OutboxReader reader = new OutboxReader(queue, topic, new Ledger(dir), store);
          OutboxRelay relay = relay();
          Connection tx = OutboxTables.connect()) {
        tx.setAutoCommit(false);
        for (int seq = 0; seq < 40; seq++) {
          outbox.write(tx, topic, numbered("k" + (seq % 2), seq / 2));
          tx.commit();
        }
        await()
            .atMost(Duration.ofMinutes(1))
            .until(() -> new Ledger(dir).report().consumed() == 40);
        assertThat(new Ledger(dir).report().reordered()).isZero();
        assertThat(reader.handledOnce()).isEqualTo(40);
      }
    }
  }

  @Nested
  @DisplayName("errors")
  class Errors {
    @Test
    @DisplayName("refuses to write on a connection in auto-commit mode, saying why")
    void autoCommitRefused() throws Exception {
      try (Connection c = OutboxTables.connect()) {
        assertThatThrownBy(() -> outbox.write(c, topic, Message.ofText("x")))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("auto-commit")
            .hasMessageContaining("setAutoCommit(false)");
      }
      assertThat(OutboxTables.rows(outbox)).isZero();
    }

    @Test
    @DisplayName("refuses an invalid topic name at write time, before the row exists")
    void invalidTopic() throws Exception {
      try (Connection tx = OutboxTables.connect()) {
        tx.setAutoCommit(false);
        assertThatThrownBy(() -> outbox.write(tx, "bad topic!", Message.ofText("x")))
            .hasMessageContaining("invalid topic name");
      }
    }

    @Test
    @DisplayName("refuses a table name that is not an SQL identifier, naming what is accepted")
    void badTableName() {
      assertThatThrownBy(() -> new JdbcOutbox("outbox; DROP TABLE x"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("lower-case SQL identifier");
    }

    @Test
    @DisplayName(
        "names the missing privilege and the table when the database user may not write the"
            + " outbox or relay it, without a password")
    void missingPrivilege() throws Exception {
      String role = "agentmq_outbox_nopriv";
      try (Connection admin = OutboxTables.connect();
          Statement s = admin.createStatement()) {
        s.execute(
            "DO $$ BEGIN CREATE ROLE "
                + role
                + " LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
      }
      String url = "jdbc:postgresql://127.0.0.1:5432/test?user=" + role + "&password=s3cr3t";
      try {
        assertRefusedFor(url);
      } finally {
        try (Connection admin = OutboxTables.connect();
            Statement s = admin.createStatement()) {
          s.execute("DROP ROLE IF EXISTS " + role);
        }
      }
    }

    private void assertRefusedFor(String url) throws SQLException {
      try (Connection tx = DriverManager.getConnection(url)) {
        tx.setAutoCommit(false);
        assertThatThrownBy(() -> outbox.write(tx, topic, Message.ofText("x")))
            .isInstanceOf(MessagingException.class)
            .satisfies(e -> assertThat(((MessagingException) e).isRetriable()).isFalse())
            .hasMessageContaining("lacks a privilege on " + outbox.table())
            .hasMessageContaining("INSERT")
            .hasMessageNotContaining("s3cr3t");
      }
      assertThatThrownBy(
              () -> OutboxRelay.builder(url, queue.createProducer()).outbox(outbox).start())
          .isInstanceOf(MessagingException.class)
          .hasMessageContaining("lacks a privilege on " + outbox.table())
          .hasMessageContaining("SELECT and DELETE")
          .hasMessageNotContaining("s3cr3t");
    }

    @Test
    @DisplayName("says that no driver accepts a JDBC URL of another database, without the password")
    void badJdbcUrl() {
      assertThatThrownBy(
              () ->
                  OutboxRelay.builder(
                          "jdbc:mysql://db:3306/app?user=agent&password=s3cr3t",
                          queue.createProducer())
                      .start())
          .isInstanceOf(MessagingException.class)
          .satisfies(e -> assertThat(((MessagingException) e).isRetriable()).isFalse())
          .hasMessageContaining("no JDBC driver accepts the URL")
          .hasMessageContaining("jdbc:postgresql://host:port/database")
          .hasMessageNotContaining("s3cr3t");
    }

    @Test
    @DisplayName("fails at start with a retriable error when the database is unreachable")
    void unreachableDatabase() {
      assertThatThrownBy(
              () ->
                  OutboxRelay.builder(
                          "jdbc:postgresql://127.0.0.1:1/test?user=agent&password=s3cr3t"
                              + "&connectTimeout=2",
                          queue.createProducer())
                      .start())
          .isInstanceOf(MessagingException.class)
          .satisfies(e -> assertThat(((MessagingException) e).isRetriable()).isTrue())
          .hasMessageContaining("not reachable")
          .hasMessageNotContaining("s3cr3t");
    }

    @Test
    @DisplayName("reads outbox.* settings from the configuration and names a bad one")
    void settingsFromConfig() {
      MqConfig config =
          MqConfig.builder()
              .brokerType("memory")
              .section(OutboxRelay.CONFIG_SECTION)
              .set("outbox.batch_size", "0")
              .set("outbox.poll_interval_ms", "50")
              .build();
      assertThatThrownBy(
              () ->
                  OutboxRelay.builder(PostgresTestDatabase.url(), queue.createProducer())
                      .settings(config))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("outbox.batch_size")
          .hasMessageContaining("1 to 10000");
    }
  }
}
