package io.agentmq.jdbc;

/** The PostgreSQL the tests use: {@code AGENTMQ_TEST_JDBC_URL} when set, else the local one. */
public final class PostgresTestDatabase {
  private PostgresTestDatabase() {}

  public static String url() {
    String url = System.getenv("AGENTMQ_TEST_JDBC_URL");
    return url != null && !url.isBlank()
        ? url
        : "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  }
}
