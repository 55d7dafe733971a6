package io.agentmq.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.agentmq.api.MessagingException;
import io.agentmq.spi.IdempotencyStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link IdempotencyStore} in PostgreSQL tables (created if missing): {@value #TABLE}, one row
 * per (scope, message id) handled, written before the consumer acknowledges, so it survives the
 * consumer's process; and {@value #HANDLINGS}, the handlings of redelivered messages. Rows older
 * than the retention are ignored, and deleted at most once per {@link #PURGE_EVERY}. Connections
 * come from a small HikariCP pool; thread-safe.
 */
public final class JdbcIdempotencyStore implements IdempotencyStore {
  static final String TABLE = "agentmq_idempotency";
  static final String HANDLINGS = "agentmq_handlings";
  static final Duration PURGE_EVERY = Duration.ofMinutes(1);

  private static final String CREATE =
      "CREATE TABLE IF NOT EXISTS "
          + TABLE
          + " (scope VARCHAR(512) NOT NULL, message_id VARCHAR(512) NOT NULL,"
          + " recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (scope, message_id))";
  private static final String CONTAINS =
      "SELECT 1 FROM "
          + TABLE
          + " WHERE scope = ? AND message_id = ?"
          + " AND recorded_at > now() - ? * INTERVAL '1 millisecond'";
  private static final String RECORD =
      "INSERT INTO "
          + TABLE
          + " (scope, message_id) VALUES (?, ?)"
          + " ON CONFLICT (scope, message_id) DO UPDATE SET recorded_at = now()";
  private static final String PURGE =
      "DELETE FROM " + TABLE + " WHERE recorded_at < now() - ? * INTERVAL '1 millisecond'";
  private static final String CREATE_HANDLINGS =
      "CREATE TABLE IF NOT EXISTS "
          + HANDLINGS
          + " (scope VARCHAR(512) NOT NULL, message_id VARCHAR(512) NOT NULL,"
          + " handlings INTEGER NOT NULL, first_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
          + " PRIMARY KEY (scope, message_id))";
  private static final String COUNT_HANDLING =
      "INSERT INTO "
          + HANDLINGS
          + " AS h (scope, message_id, handlings) VALUES (?, ?, 1)"
          + " ON CONFLICT (scope, message_id) DO UPDATE SET"
          + " handlings = CASE WHEN h.first_at < now() - ? * INTERVAL '1 millisecond' THEN 1"
          + " ELSE h.handlings + 1 END,"
          + " first_at = CASE WHEN h.first_at < now() - ? * INTERVAL '1 millisecond' THEN now()"
          + " ELSE h.first_at END"
          + " RETURNING handlings";
  private static final String PURGE_HANDLINGS =
      "DELETE FROM " + HANDLINGS + " WHERE first_at < now() - ? * INTERVAL '1 millisecond'";

  private final HikariDataSource pool;
  private final long retentionMillis;
  private final AtomicLong nextPurge = new AtomicLong();

  /**
   * Connects to {@code jdbcUrl} (user and password as URL parameters or in {@code ~/.pgpass}) and
   * creates the table if it is missing.
   *
   * @throws MessagingException (retriable) when the database cannot be reached
   */
  public JdbcIdempotencyStore(String jdbcUrl, Duration retention) {
    this.retentionMillis = retention.toMillis();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setPoolName("agentmq-idempotency");
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(10_000);
    try {
      this.pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw MessagingException.retriable(
          "the idempotency store's database is not reachable: " + describe(e), null);
    }
    try {
      createTable();
    } catch (SQLException e) {
      pool.close();
      throw MessagingException.retriable(
          "the idempotency store's table " + TABLE + " could not be created: " + e.getMessage(),
          null);
    }
  }

  private void createTable() throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute(CREATE);
      s.execute(CREATE_HANDLINGS);
    } catch (SQLException e) {
      // Two processes creating the table at once: one wins, the other sees a duplicate type.
      if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
        throw e;
      }
    }
  }

  @Override
  public boolean contains(String scope, String id) {
    try (Connection c = pool.getConnection();
        PreparedStatement s = c.prepareStatement(CONTAINS)) {
      s.setString(1, scope);
      s.setString(2, id);
      s.setLong(3, retentionMillis);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw MessagingException.retriable(
          "reading the idempotency store failed: " + e.getMessage(), null);
    }
  }

  @Override
  public void record(String scope, String id) {
    try (Connection c = pool.getConnection()) {
      try (PreparedStatement s = c.prepareStatement(RECORD)) {
        s.setString(1, scope);
        s.setString(2, id);
        s.executeUpdate();
      }
      purgeIfDue(c);
    } catch (SQLException e) {
      throw MessagingException.retriable(
          "writing the idempotency store failed: " + e.getMessage(), null);
    }
  }

  /** Deletes expired rows, by one caller at a time, at most once per {@link #PURGE_EVERY}. */
  private void purgeIfDue(Connection c) throws SQLException {
    long now = System.nanoTime();
    long due = nextPurge.get();
    if (now - due < 0 || !nextPurge.compareAndSet(due, now + PURGE_EVERY.toNanos())) {
      return;
    }
    try (PreparedStatement s = c.prepareStatement(PURGE)) {
      s.setLong(1, retentionMillis);
      s.executeUpdate();
    }
    try (PreparedStatement s = c.prepareStatement(PURGE_HANDLINGS)) {
      s.setLong(1, retentionMillis);
      s.executeUpdate();
    }
  }

  @Override
  public int countHandling(String scope, String id) {
    try (Connection c = pool.getConnection();
        PreparedStatement s = c.prepareStatement(COUNT_HANDLING)) {
      s.setString(1, scope);
      s.setString(2, id);
      s.setLong(3, retentionMillis);
      s.setLong(4, retentionMillis);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw MessagingException.retriable(
          "counting a handling in the idempotency store failed: " + e.getMessage(), null);
    }
  }

  @Override
  public boolean durable() {
    return true;
  }

  @Override
  public void close() {
    pool.close();
  }

  /** The message of a pool failure without the URL (which may hold a password). */
  private static String describe(RuntimeException e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root instanceof SQLException sql
        ? sql.getMessage() + " (SQL state " + sql.getSQLState() + ")"
        : root.getClass().getSimpleName();
  }

  @Override
  public String toString() {
    return "JdbcIdempotencyStore{table=" + TABLE + ", retention=" + retentionMillis + "ms}";
  }
}
