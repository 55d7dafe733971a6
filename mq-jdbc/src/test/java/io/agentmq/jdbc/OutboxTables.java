package io.agentmq.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** Outbox tables of the tests on {@link PostgresTestDatabase}: one new table per test. */
final class OutboxTables {
  private OutboxTables() {}

  static Connection connect() throws SQLException {
    return DriverManager.getConnection(PostgresTestDatabase.url());
  }

  /** A new outbox in a table of its own, created. */
  static JdbcOutbox create() throws SQLException {
    JdbcOutbox outbox =
        new JdbcOutbox("agentmq_outbox_t" + UUID.randomUUID().toString().substring(0, 8));
    try (Connection c = connect()) {
      outbox.createTable(c);
    }
    return outbox;
  }

  static long rows(JdbcOutbox outbox) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + outbox.table())) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static void drop(JdbcOutbox outbox) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + outbox.table());
    }
  }
}
