package io.agentmq.jdbc;

import io.agentmq.api.MessagingException;
import java.sql.SQLException;

/**
 * Turns the database's failures into {@link MessagingException}s that say what was wrong and what
 * to change, never repeating a JDBC URL (which may hold a password).
 */
final class DatabaseErrors {
  private static final String INSUFFICIENT_PRIVILEGE = "42501";

  private static final String UNDEFINED_TABLE = "42P01";
  private static final String INVALID_AUTHORIZATION = "28";
  private static final String INVALID_CATALOG = "3D000";

  private DatabaseErrors() {}

  /**
   * The failure to open a connection: no driver for the URL's scheme, refused credentials, a
   * missing database (permanent), or an unreachable server (retriable).
   */
  static MessagingException connectionFailed(String what, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (e.getMessage() != null && e.getMessage().startsWith("No suitable driver")) {
      // DriverManager's message repeats the whole URL, password included: not passed on.
      return MessagingException.permanent(
          what
              + ": no JDBC driver accepts the URL; expected jdbc:postgresql://host:port/database"
              + " (user and password as URL parameters or in ~/.pgpass)");
    }
    String reason = e.getMessage() + " (SQL state " + state + ")";
    if (state.startsWith(INVALID_AUTHORIZATION) || state.equals(INVALID_CATALOG)) {
      return MessagingException.permanent(what + ": the database refused the login: " + reason);
    }
    return MessagingException.retriable(what + ": the database is not reachable: " + reason);
  }

  /** A failed statement on {@code table}, with what to do for the usual permanent causes. */
  static MessagingException statementFailed(String what, String table, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String reason = e.getMessage() + " (SQL state " + state + ")";
    if (state.equals(INSUFFICIENT_PRIVILEGE)) {
      return MessagingException.permanent(
          what
              + ": the database user lacks a privilege on "
              + table
              + ": "
              + reason
              + "; writers need INSERT on the table and USAGE on its sequence, the relay needs"
              + " SELECT and DELETE (and CREATE on the schema the first time, to create it)",
          e);
    }
    if (state.equals(UNDEFINED_TABLE)) {
      return MessagingException.permanent(
          what
              + ": the outbox table "
              + table
              + " does not exist: "
              + reason
              + "; create it with JdbcOutbox.createTable or by starting an OutboxRelay once",
          e);
    }
    return retriable(state)
        ? MessagingException.retriable(what + ": " + reason, e)
        : MessagingException.permanent(what + ": " + reason, e);
  }

  /**
   * A lost connection (08), a rolled-back transaction such as a deadlock victim (40), exhausted
   * resources (53), a server shutting down (57), or an I/O failure without a state.
   */
  private static boolean retriable(String state) {
    return state.isEmpty()
        || state.startsWith("08")
        || state.startsWith("40")
        || state.startsWith("53")
        || state.startsWith("57");
  }
}
