package io.agentmq.jdbc;

import io.agentmq.tck.TestServices;

/** The PostgreSQL the tests use: {@code AGENTMQ_TEST_JDBC_URL} when set, else the local one. */
public final class PostgresTestDatabase {
  private PostgresTestDatabase() {}

  public static String url() {
    return TestServices.jdbcUrl();
  }
}
