package io.agentmq.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import io.agentmq.api.Producer;
import io.agentmq.api.TopicSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * The transactional outbox: a PostgreSQL table ({@value #DEFAULT_TABLE} unless named) where a
 * service inserts its outgoing messages in the same database transaction as its own rows, so that
 * they are published by an {@link OutboxRelay} if and only if that transaction commits.
 *
 * <pre>{@code
 * JdbcOutbox outbox = new JdbcOutbox();
 * try (Connection tx = dataSource.getConnection()) {
 *   tx.setAutoCommit(false);
 *   insertOrder(tx, order);                                   // the service's own rows
 *   outbox.write(tx, "orders", Message.of(order.id(), bytes)); // its message, same transaction
 *   tx.commit();
 * }
 * }</pre>
 *
 * <p>A row keeps the message's id, key, headers (as JSON), payload and timestamp; the relay sends
 * exactly that message, so a row sent twice (after a relay crash) carries the same id both times
 * and a consumer's idempotency store drops the second. Writes of the same key take a transaction
 * advisory lock on the key until the transaction ends, so that transactions writing one key commit
 * in the order they wrote: the relay then sees a key's rows in position order and publishes them in
 * that order. Two transactions that write the same keys in different orders may therefore deadlock;
 * PostgreSQL rolls one back (retriable, SQL state 40P01).
 *
 * <p>Immutable and thread-safe; it holds no connection of its own.
 */
public final class JdbcOutbox {
  /** The table's name unless another is given. */
  public static final String DEFAULT_TABLE = "agentmq_outbox";

  /** The first key of the two-key advisory locks that order the writes of one message key. */
  static final int KEY_LOCK_SPACE = 0x61676d71; // "agmq"

  private static final Pattern TABLE_NAME =
      Pattern.compile("([a-z_][a-z0-9_]{0,62}\\.)?[a-z_][a-z0-9_]{0,62}");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {};

  private final String table;
  private final String insertKeyed;
  private final String insertUnkeyed;

  /** The outbox in table {@value #DEFAULT_TABLE}. */
  public JdbcOutbox() {
    this(DEFAULT_TABLE);
  }

  /**
   * The outbox in {@code table}, optionally schema-qualified ({@code app.outbox}).
   *
   * @throws IllegalArgumentException when the name is not a lower-case SQL identifier
   */
  public JdbcOutbox(String table) {
    if (table == null || !TABLE_NAME.matcher(table).matches()) {
      throw new IllegalArgumentException(
          "outbox table name "
              + (table == null ? "null" : "'" + table + "'")
              + " is not accepted; expected a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most"
              + " 63 characters), optionally with a schema: schema.table");
    }
    this.table = table;
    String columns = " (topic, message_key, message_id, headers, payload, timestamp_ms) ";
    // The key's lock is taken in the INSERT itself: one round trip per write.
    this.insertKeyed =
        "INSERT INTO "
            + table
            + columns
            + "SELECT ?, ?, ?, ?, ?, ? FROM (SELECT pg_advisory_xact_lock("
            + KEY_LOCK_SPACE
            + ", hashtext(?))) AS key_lock";
    this.insertUnkeyed = "INSERT INTO " + table + columns + "VALUES (?, ?, ?, ?, ?, ?)";
  }

  /** The table's name. */
  public String table() {
    return table;
  }

  /**
   * Creates the table if it is missing, in its own statement on {@code connection} (committed at
   * once in auto-commit mode, else with the caller's transaction).
   *
   * @throws MessagingException when the table cannot be created, e.g. for lack of the CREATE
   *     privilege (permanent; the message says which)
   */
  public void createTable(Connection connection) {
    String create =
        "CREATE TABLE IF NOT EXISTS "
            + table
            + " (position BIGSERIAL PRIMARY KEY, topic TEXT NOT NULL, message_key TEXT,"
            + " message_id TEXT NOT NULL, headers TEXT NOT NULL, payload BYTEA NOT NULL,"
            + " timestamp_ms BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())";
    try {
      // CREATE TABLE IF NOT EXISTS needs CREATE on the schema even when the table exists: a writer
      // or relay that may not create tables looks first.
      try (PreparedStatement s = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
        s.setString(1, table);
        try (ResultSet rs = s.executeQuery()) {
          if (rs.next() && rs.getBoolean(1)) {
            return;
          }
        }
      }
      try (Statement s = connection.createStatement()) {
        s.execute(create);
      }
    } catch (SQLException e) {
      // Two processes creating the table at once: one wins, the other sees a duplicate type.
      if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
        throw DatabaseErrors.statementFailed("creating the outbox table " + table, table, e);
      }
    }
  }

  /**
   * Inserts {@code message} for {@code topic} in the caller's open transaction on {@code tx}; it is
   * published after that transaction commits, and never if it rolls back. Synchronous; uses the
   * connection from the calling thread only.
   *
   * @throws IllegalStateException when {@code tx} is in auto-commit mode (the message would be
   *     committed on its own, apart from the service's rows): call {@code setAutoCommit(false)}
   * @throws io.agentmq.api.InvalidMessageException when the topic name is invalid
   * @throws MessagingException when the insert fails; {@link MessagingException#isRetriable()} says
   *     whether the transaction may be tried again (a deadlock, a lost connection) or something
   *     must change first (a missing privilege or table, named in the message)
   */
  public void write(Connection tx, String topic, Message message) {
    Objects.requireNonNull(tx, "tx");
    Objects.requireNonNull(message, "message");
    TopicSpec.requireValidName(topic);
    try {
      if (tx.getAutoCommit()) {
        throw new IllegalStateException(
            "the outbox writes in the caller's transaction, but the connection is in auto-commit"
                + " mode, so the message would be committed on its own: call"
                + " setAutoCommit(false) before writing, and commit() after");
      }
      String key = message.key().orElse(null);
      try (PreparedStatement s = tx.prepareStatement(key == null ? insertUnkeyed : insertKeyed)) {
        s.setString(1, topic);
        s.setString(2, key);
        s.setString(3, message.id());
        s.setString(4, JSON.writeValueAsString(message.headers()));
        s.setBytes(5, message.payload());
        s.setLong(6, message.timestampMillis());
        if (key != null) {
          s.setString(7, key);
        }
        s.executeUpdate();
      }
    } catch (SQLException e) {
      throw DatabaseErrors.statementFailed(
          "writing message " + message.id() + " to the outbox", table, e);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the headers of a message cannot be written as JSON", e);
    }
  }

  /**
   * A {@link Producer} whose {@code send} is {@link #write} on {@code tx}: for code written against
   * the Producer interface (typed producers included). Its futures are already complete when {@code
   * send} returns: with a report of partition and offset {@code -1} once the row is written, or
   * failed as {@link #write} throws. Use it on the connection's thread only, and only for the
   * transaction in progress; {@code flush} and {@code close} do nothing.
   */
  public Producer producer(Connection tx) {
    Objects.requireNonNull(tx, "tx");
    return new Producer() {
      @Override
      public CompletableFuture<DeliveryReport> send(String topic, Message message) {
        try {
          write(tx, topic, message);
          return CompletableFuture.completedFuture(new DeliveryReport(topic, message.id(), -1, -1));
        } catch (MessagingException e) {
          return CompletableFuture.failedFuture(e);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}

      @Override
      public String toString() {
        return "JdbcOutbox.producer{table=" + table + "}";
      }
    };
  }

  /** The message a row holds, as it was written. */
  static Message message(
      String id, String key, String headersJson, byte[] payload, long timestampMillis) {
    try {
      return Message.builder(payload)
          .id(id)
          .key(key)
          .headers(JSON.readValue(headersJson, HEADERS))
          .timestamp(Instant.ofEpochMilli(timestampMillis))
          .build();
    } catch (JsonProcessingException e) {
      throw MessagingException.permanent(
          "the headers of outbox message " + id + " are not the JSON the outbox writes", e);
    }
  }

  @Override
  public String toString() {
    return "JdbcOutbox{table=" + table + "}";
  }
}
