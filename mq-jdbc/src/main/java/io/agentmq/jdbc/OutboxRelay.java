package io.agentmq.jdbc;

import io.agentmq.api.ConfigSection;
import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the rows of a {@link JdbcOutbox} through an AgentMQ {@link Producer}, oldest first, and
 * deletes each row once the broker has confirmed it.
 *
 * <p>One relay per outbox table is active: it holds a PostgreSQL session advisory lock on its own
 * connection, and every other relay of the same table waits as a standby, trying for the lock once
 * per poll interval. The lock goes with the connection, so when the active relay's process dies its
 * connection closes and a standby takes over. The active relay reads up to {@code batch_size} rows
 * in position order, sends them all, waits for every confirm, then deletes the rows confirmed
 * before the first failure in one statement; a failed send stops the batch there, and that row and
 * all after it are sent again in the next round. A relay that dies between a send and the delete
 * leaves its rows in the table, and they are sent again, with the same message ids: at-least-once,
 * duplicates and no loss. A rolled-back transaction's rows are never visible to the relay, so they
 * are never sent.
 *
 * <p>Runs on one thread of its own ({@code agentmq-outbox-relay}); the producer's callbacks only
 * complete futures it waits for. Database failures are logged and retried after the poll interval,
 * on a new connection (back to standby until the lock is won again). Thread-safe; {@link #close()}
 * is idempotent, waits for the batch in progress and does not close the producer.
 */
public final class OutboxRelay implements AutoCloseable {
  /** The configuration section the relay's settings live in: {@code outbox.*}. */
  public static final String CONFIG_SECTION = "outbox";

  /** The number of rows read and sent per round. */
  public static final String BATCH_SIZE = "batch_size";

  /** How long the relay waits before looking again when the outbox is empty, and a standby. */
  public static final String POLL_INTERVAL_MS = "poll_interval_ms";

  private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);

  /** Opens the relay's connection. */
  @FunctionalInterface
  interface ConnectionSource {
    Connection open() throws SQLException;
  }

  private final ConnectionSource connections;
  private final Producer producer;
  private final JdbcOutbox outbox;
  private final int batchSize;
  private final Duration pollInterval;
  private final String select;
  private final String delete;
  private final Thread thread;
  private final AtomicLong relayed = new AtomicLong();
  private volatile boolean active;
  private volatile boolean closed;
  private Connection connection; // the relay thread's only

  private OutboxRelay(Builder b) {
    this.connections = b.connections;
    this.producer = b.producer;
    this.outbox = b.outbox;
    this.batchSize = b.batchSize;
    this.pollInterval = b.pollInterval;
    String table = outbox.table();
    this.select =
        "SELECT position, topic, message_key, message_id, headers, payload, timestamp_ms FROM "
            + table
            + " ORDER BY position LIMIT ?";
    this.delete = "DELETE FROM " + table + " WHERE position = ANY (?)";
    this.thread = new Thread(this::run, "agentmq-outbox-relay");
  }

  /**
   * A relay of the outbox at {@code jdbcUrl} ({@code jdbc:postgresql://host:port/database}; user
   * and password as URL parameters or in {@code ~/.pgpass}) through {@code producer}.
   */
  public static Builder builder(String jdbcUrl, Producer producer) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    return new Builder(() -> DriverManager.getConnection(jdbcUrl), producer);
  }

  /**
   * A relay that takes one connection from {@code dataSource} and keeps it while it runs (a new one
   * after a failure). With a pool, the relay releases its lock before it gives the connection back;
   * a standby takes over after a crash only once the database ends the dead process's session.
   */
  public static Builder builder(DataSource dataSource, Producer producer) {
    Objects.requireNonNull(dataSource, "dataSource");
    return new Builder(dataSource::getConnection, producer);
  }

  /** True while this relay holds the outbox's lock and publishes; false while it is a standby. */
  public boolean isActive() {
    return active;
  }

  /** Rows this relay has published and deleted since it started. */
  public long relayed() {
    return relayed.get();
  }

  private void run() {
    while (!closed) {
      try {
        if (connection == null && !connect()) {
          pause(pollInterval);
          continue;
        }
        if (!active) {
          active = tryLock();
          if (active) {
            LOG.info("outbox relay of {} is active", outbox.table());
          } else {
            pause(pollInterval);
            continue;
          }
        }
        if (relayBatch() < batchSize) {
          pause(pollInterval);
        }
      } catch (SQLException e) {
        LOG.warn(
            "the outbox relay of {} lost its database session, reconnecting in {} ms: {}",
            outbox.table(),
            pollInterval.toMillis(),
            DatabaseErrors.statementFailed("relaying", outbox.table(), e).getMessage());
        disconnect();
        pause(pollInterval);
      } catch (RuntimeException e) {
        LOG.warn(
            "the outbox relay of {} failed, retrying in {} ms: {}",
            outbox.table(),
            pollInterval.toMillis(),
            e.toString());
        pause(pollInterval);
      }
    }
    disconnect();
  }

  /** Opens the relay's connection; false, logged, when the database cannot be reached. */
  private boolean connect() {
    try {
      connection = connections.open();
      connection.setAutoCommit(true);
      return true;
    } catch (SQLException e) {
      LOG.warn(
          "{}; trying again in {} ms",
          DatabaseErrors.connectionFailed(
                  "the outbox relay of " + outbox.table() + " cannot connect", e)
              .getMessage(),
          pollInterval.toMillis());
      disconnect();
      return false;
    }
  }

  private boolean tryLock() throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
      s.setString(1, "agentmq-outbox-relay:" + outbox.table());
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /**
   * Sends one batch and deletes what the broker confirmed; returns the number of rows relayed, or 0
   * when a send failed.
   */
  private int relayBatch() throws SQLException {
    List<Long> positions = new ArrayList<>();
    List<Message> messages = new ArrayList<>();
    List<String> topics = new ArrayList<>();
    try (PreparedStatement s = connection.prepareStatement(select)) {
      s.setInt(1, batchSize);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          positions.add(rs.getLong(1));
          topics.add(rs.getString(2));
          messages.add(
              JdbcOutbox.message(
                  rs.getString(4),
                  rs.getString(3),
                  rs.getString(5),
                  rs.getBytes(6),
                  rs.getLong(7)));
        }
      }
    }
    if (positions.isEmpty()) {
      return 0;
    }
    int confirmed = sendInOrder(positions, topics, messages);
    if (confirmed > 0) {
      try (PreparedStatement s = connection.prepareStatement(delete)) {
        Array array = connection.createArrayOf("bigint", positions.subList(0, confirmed).toArray());
        s.setArray(1, array);
        s.executeUpdate();
      }
      relayed.addAndGet(confirmed);
    }
    // After a refused send, 0: the loop pauses before trying that row again.
    return confirmed == positions.size() ? positions.size() : 0;
  }

  /**
   * Sends every message, then waits for their confirms in order; returns how many at the front of
   * the batch were confirmed, logging the first failure.
   */
  private int sendInOrder(List<Long> positions, List<String> topics, List<Message> messages) {
    List<CompletableFuture<DeliveryReport>> sends = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      try {
        sends.add(producer.send(topics.get(i), messages.get(i)));
      } catch (RuntimeException e) {
        sends.add(CompletableFuture.failedFuture(e));
        break; // nothing after a refused row is sent in this round
      }
    }
    for (int i = 0; i < sends.size(); i++) {
      try {
        sends.get(i).get();
      } catch (ExecutionException | RuntimeException e) {
        Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
        boolean retriable = !(cause instanceof MessagingException m) || m.isRetriable();
        LOG.warn(
            "outbox row {} (message {}) to '{}' was not published ({}): {}; it and the {} rows"
                + " after it in this batch stay in {} and are sent again",
            positions.get(i),
            messages.get(i).id(),
            topics.get(i),
            retriable ? "retriable" : "permanent: it blocks the rows after it until it is fixed",
            cause.getMessage(),
            messages.size() - i - 1,
            outbox.table());
        return i;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return i;
      }
    }
    return sends.size();
  }

  private void pause(Duration d) {
    if (!closed) {
      LockSupport.parkNanos(this, d.toNanos());
    }
  }

  private void disconnect() {
    if (connection != null) {
      try {
        if (active && !connection.isClosed()) {
          // A pooled connection's session outlives close(): the lock must not go back with it.
          try (PreparedStatement s =
              connection.prepareStatement("SELECT pg_advisory_unlock_all()")) {
            s.execute();
          }
        }
      } catch (SQLException e) {
        LOG.debug("releasing the outbox relay's lock failed; closing its connection ends it", e);
      }
      try {
        connection.close(); // a direct connection's session ends, and with it the lock
      } catch (SQLException e) {
        LOG.debug("closing the outbox relay's connection failed", e);
      }
      connection = null;
    }
    active = false;
  }

  /**
   * Stops the relay: waits (up to a minute) for the batch in progress to be confirmed and deleted,
   * then releases the lock by closing the connection. Does not close the producer. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.MINUTES.toMillis(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "OutboxRelay{table="
        + outbox.table()
        + ", batchSize="
        + batchSize
        + ", pollInterval="
        + pollInterval.toMillis()
        + "ms, active="
        + active
        + "}";
  }

  /** Settings of a relay; not thread-safe. */
  public static final class Builder {
    private final ConnectionSource connections;
    private final Producer producer;
    private JdbcOutbox outbox = new JdbcOutbox();
    private int batchSize = 100;
    private Duration pollInterval = Duration.ofMillis(200);

    private Builder(ConnectionSource connections, Producer producer) {
      this.connections = connections;
      this.producer = Objects.requireNonNull(producer, "producer");
    }

    /** The outbox to relay; {@link JdbcOutbox#DEFAULT_TABLE} unless set. */
    public Builder outbox(JdbcOutbox outbox) {
      this.outbox = Objects.requireNonNull(outbox, "outbox");
      return this;
    }

    /** Rows read and sent per round, 1 to 10,000; 100 unless set. */
    public Builder batchSize(int rows) {
      if (rows < 1 || rows > 10_000) {
        throw new IllegalArgumentException(
            "outbox batch size " + rows + " is not accepted; expected 1 to 10000");
      }
      this.batchSize = rows;
      return this;
    }

    /** The wait when the outbox is empty, and between a standby's tries; 200 ms unless set. */
    public Builder pollInterval(Duration interval) {
      if (interval.isNegative()
          || interval.isZero()
          || interval.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException(
            "outbox poll interval "
                + interval.toMillis()
                + " ms is not accepted; expected 1 ms to 1 minute");
      }
      this.pollInterval = interval;
      return this;
    }

    /**
     * Reads {@code outbox.batch_size} and {@code outbox.poll_interval_ms} from {@code config}. The
     * application registers the section when it builds the configuration: {@code
     * MqConfig.builder().section(OutboxRelay.CONFIG_SECTION)}.
     *
     * @throws io.agentmq.api.ConfigException naming every bad or unknown key of the section, its
     *     source, its value and what is accepted
     */
    public Builder settings(MqConfig config) {
      ConfigSection section = config.section(CONFIG_SECTION);
      section.rejectUnknownKeys(Set.of(BATCH_SIZE, POLL_INTERVAL_MS));
      int rows = section.integer(BATCH_SIZE, batchSize, 1, 10_000);
      Duration interval =
          section.millis(
              POLL_INTERVAL_MS, pollInterval, Duration.ofMillis(1), Duration.ofMinutes(1));
      section.throwIfInvalid();
      this.batchSize = rows;
      this.pollInterval = interval;
      return this;
    }

    /**
     * Connects, creates the outbox table if it is missing, and starts relaying (or waiting as a
     * standby) on the relay's thread. The first connection is made here so that a wrong URL, a
     * refused login or a missing privilege fails at start; later failures are retried.
     *
     * @throws MessagingException when the database cannot be reached (retriable) or refuses the
     *     relay (permanent); the message names the cause, never the URL
     */
    public OutboxRelay start() {
      OutboxRelay relay = new OutboxRelay(this);
      try {
        relay.connection = connections.open();
        relay.connection.setAutoCommit(true);
      } catch (SQLException e) {
        throw DatabaseErrors.connectionFailed(
            "the outbox relay of " + outbox.table() + " cannot connect", e);
      }
      try {
        outbox.createTable(relay.connection);
        relay.checkPrivileges();
      } catch (RuntimeException e) {
        relay.disconnect();
        throw e;
      }
      relay.thread.start();
      return relay;
    }
  }

  /** Reads and deletes nothing, but fails now if the relay may not do both. */
  private void checkPrivileges() {
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT has_table_privilege(?, 'SELECT'), has_table_privilege(?, 'DELETE')")) {
      s.setString(1, outbox.table());
      s.setString(2, outbox.table());
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1) || !rs.getBoolean(2)) {
          throw MessagingException.permanent(
              "the outbox relay's database user lacks a privilege on "
                  + outbox.table()
                  + ": it needs SELECT and DELETE (has SELECT: "
                  + rs.getBoolean(1)
                  + ", DELETE: "
                  + rs.getBoolean(2)
                  + ")");
        }
      }
    } catch (SQLException e) {
      throw DatabaseErrors.statementFailed(
          "checking the outbox relay's privileges", outbox.table(), e);
    }
  }
}
