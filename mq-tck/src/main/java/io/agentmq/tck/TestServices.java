package io.agentmq.tck;

/**
 * The RabbitMQ and PostgreSQL the integration tests use: the one an environment variable names,
 * else the local one, started from its installation when it is not running, else a one-line failure
 * that says how to get one.
 */
public final class TestServices {
  private TestServices() {}

  /** {@code AMQP_URL}, else the local RabbitMQ (guest/guest), started if installed and stopped. */
  public static String amqpUrl() {
    String url = System.getenv("AMQP_URL");
    if (url != null && !url.isBlank()) {
      return url;
    }
    localRabbitMq().ensure();
    return "amqp://guest:guest@127.0.0.1:5672";
  }

  /** Whether {@code AMQP_URL} is unset and no RabbitMQ listens locally or can be started. */
  public static boolean noLocalRabbitMq() {
    String url = System.getenv("AMQP_URL");
    if (url != null && !url.isBlank()) {
      return false;
    }
    try {
      localRabbitMq().ensure();
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }

  /**
   * The local RabbitMQ: with its management plugin (the tests' topic administration uses the HTTP
   * API), started detached as {@code .ci/run} does.
   */
  public static LocalService localRabbitMq() {
    return LocalService.named("RabbitMQ", "127.0.0.1", 5672)
        .startWith("rabbitmq-plugins", "enable", "--offline", "rabbitmq_management")
        .startWith("rabbitmq-server", "-detached")
        .alsoWaitFor(15672)
        .howTo(
            "start it (rabbitmq-server -detached), install it (apt-get install rabbitmq-server;"
                + " .ci/run does both), or set AMQP_URL");
  }

  /**
   * {@code AGENTMQ_TEST_JDBC_URL}, else the local PostgreSQL's database {@code test} (trust auth),
   * its cluster started if installed and stopped.
   */
  public static String jdbcUrl() {
    String url = System.getenv("AGENTMQ_TEST_JDBC_URL");
    if (url != null && !url.isBlank()) {
      return url;
    }
    LocalService.named("PostgreSQL", "127.0.0.1", 5432)
        .startWith(
            "sh",
            "-c",
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1) main start")
        .howTo(
            "start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start),"
                + " install it (apt-get install postgresql; .ci/run does both and creates database"
                + " test), or set AGENTMQ_TEST_JDBC_URL")
        .ensure();
    return "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  }
}
