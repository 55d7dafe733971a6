package io.agentmq.tck;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.containers.RabbitMQContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The RabbitMQ and PostgreSQL the integration tests use: the one an environment variable names,
 * else the local one, started from its installation when it is not running, else a container where
 * Docker runs, else a one-line failure that says how to get one.
 *
 * <p>A container is started on first use, one per service and test JVM, shared by every test of
 * that JVM, and removed by Testcontainers (Ryuk) when the JVM exits. Its ports are mapped to free
 * ports of the Docker host, so its URLs name those ports, not 5672, 15672 or 5432.
 */
public final class TestServices {
  /** As in docker-compose.yml: with the management plugin, whose HTTP API the tests use. */
  static final String RABBITMQ_IMAGE = "rabbitmq:4.1.4-management";

  static final String POSTGRES_IMAGE = "postgres:16-alpine";

  static final String RABBITMQ_HOW_TO =
      "start it (rabbitmq-server -detached) or install it (apt-get install rabbitmq-server;"
          + " .ci/run does both)";

  static final String POSTGRES_HOW_TO =
      "start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or"
          + " install it (apt-get install postgresql; .ci/run does both and creates database test)";

  private static final String AMQP_URL = "AMQP_URL";
  private static final String JDBC_URL = "AGENTMQ_TEST_JDBC_URL";

  private static RabbitMQContainer rabbitMqContainer;
  private static PostgreSQLContainer<?> postgresContainer;
  private static RuntimeException rabbitMqContainerFailure;
  private static RuntimeException postgresContainerFailure;

  private TestServices() {}

  /**
   * {@code AMQP_URL}, else the local RabbitMQ (guest/guest), started if installed and stopped, else
   * a {@code rabbitmq:4.1.4-management} container (guest/guest) where Docker is available.
   *
   * <p>The AMQP backend finds the management API at the AMQP URL's host, port 15672, unless {@code
   * amqp.management_url} (variable {@code MQ_AMQP_MANAGEMENT_URL}) says otherwise: right for the
   * local RabbitMQ, not for a container, whose management port is mapped elsewhere. A test that
   * lists or describes topics sets {@code amqp.management_url} to {@link #amqpManagementUrl()}.
   *
   * @throws IllegalStateException in one line when there is none: how to get one
   */
  public static String amqpUrl() {
    return switch (rabbitMqSource()) {
      case ENVIRONMENT -> System.getenv(AMQP_URL);
      case LOCAL -> "amqp://guest:guest@127.0.0.1:5672";
      case CONTAINER -> {
        RabbitMQContainer container = rabbitMqContainer();
        yield "amqp://"
            + container.getAdminUsername()
            + ":"
            + container.getAdminPassword()
            + "@"
            + container.getHost()
            + ":"
            + container.getAmqpPort();
      }
    };
  }

  /**
   * The management API of the RabbitMQ {@link #amqpUrl()} names, for {@code amqp.management_url}:
   * the container's mapped HTTP port, else the backend's own default (the AMQP URL's first host,
   * {@code http://...:15672}, or {@code https://...:15671} for {@code amqps://}).
   *
   * @throws IllegalStateException in one line when there is no RabbitMQ: how to get one
   */
  public static String amqpManagementUrl() {
    return switch (rabbitMqSource()) {
      case ENVIRONMENT -> defaultManagementUrl(System.getenv(AMQP_URL));
      case LOCAL -> "http://127.0.0.1:15672";
      case CONTAINER -> rabbitMqContainer().getHttpUrl();
    };
  }

  /** Whether {@code AMQP_URL} is unset and no RabbitMQ listens locally or can be started. */
  public static boolean noLocalRabbitMq() {
    String url = System.getenv(AMQP_URL);
    if (url != null && !url.isBlank()) {
      return false;
    }
    return localFailure(localRabbitMq()).isPresent();
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
        .howTo(RABBITMQ_HOW_TO);
  }

  /**
   * {@code AGENTMQ_TEST_JDBC_URL}, else the local PostgreSQL's database {@code test} (trust auth),
   * its cluster started if installed and stopped, else a {@code postgres:16-alpine} container with
   * database {@code test} (user {@code postgres}, trust auth).
   *
   * @throws IllegalStateException in one line when there is none: how to get one
   */
  public static String jdbcUrl() {
    ServiceSource source =
        ServiceSource.choose(
            JDBC_URL,
            Optional.ofNullable(System.getenv(JDBC_URL)),
            () -> localFailure(localPostgres()),
            TestServices::dockerAvailable,
            POSTGRES_IMAGE);
    return switch (source) {
      case ENVIRONMENT -> System.getenv(JDBC_URL);
      case LOCAL -> "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
      case CONTAINER -> {
        PostgreSQLContainer<?> container = postgresContainer();
        yield "jdbc:postgresql://"
            + container.getHost()
            + ":"
            + container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT)
            + "/test?user=postgres";
      }
    };
  }

  private static LocalService localPostgres() {
    return LocalService.named("PostgreSQL", "127.0.0.1", 5432)
        .startWith(
            "sh",
            "-c",
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1) main start")
        .howTo(POSTGRES_HOW_TO);
  }

  private static ServiceSource rabbitMqSource() {
    return ServiceSource.choose(
        AMQP_URL,
        Optional.ofNullable(System.getenv(AMQP_URL)),
        () -> localFailure(localRabbitMq()),
        TestServices::dockerAvailable,
        RABBITMQ_IMAGE);
  }

  /** Empty once the service runs, else the one line that says why not. */
  private static Optional<String> localFailure(LocalService service) {
    try {
      service.ensure();
      return Optional.empty();
    } catch (IllegalStateException e) {
      return Optional.of(e.getMessage());
    }
  }

  private static synchronized RabbitMQContainer rabbitMqContainer() {
    if (rabbitMqContainer == null) {
      if (rabbitMqContainerFailure != null) {
        throw containerFailure(RABBITMQ_IMAGE, rabbitMqContainerFailure);
      }
      RabbitMQContainer container = new RabbitMQContainer(DockerImageName.parse(RABBITMQ_IMAGE));
      try {
        container.start();
      } catch (RuntimeException e) {
        rabbitMqContainerFailure = e;
        throw containerFailure(RABBITMQ_IMAGE, e);
      }
      System.err.println(
          "No local RabbitMQ: started "
              + RABBITMQ_IMAGE
              + " in a container through Testcontainers");
      rabbitMqContainer = container;
    }
    return rabbitMqContainer;
  }

  private static synchronized PostgreSQLContainer<?> postgresContainer() {
    if (postgresContainer == null) {
      if (postgresContainerFailure != null) {
        throw containerFailure(POSTGRES_IMAGE, postgresContainerFailure);
      }
      PostgreSQLContainer<?> container =
          new PostgreSQLContainer<>(DockerImageName.parse(POSTGRES_IMAGE))
              .withDatabaseName("test")
              .withUsername("postgres")
              .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust");
      try {
        container.start();
      } catch (RuntimeException e) {
        postgresContainerFailure = e;
        throw containerFailure(POSTGRES_IMAGE, e);
      }
      System.err.println(
          "No local PostgreSQL: started "
              + POSTGRES_IMAGE
              + " in a container through Testcontainers");
      postgresContainer = container;
    }
    return postgresContainer;
  }

  private static IllegalStateException containerFailure(String image, RuntimeException cause) {
    return new IllegalStateException(
        "Docker is available but the " + image + " container did not start: " + cause.getMessage(),
        cause);
  }

  /** What the backend itself would use as the management API of the first broker in {@code url}. */
  private static String defaultManagementUrl(String url) {
    URI first = URI.create(url.trim().split("\\s*,\\s*")[0]);
    return first.getScheme().toLowerCase(Locale.ROOT).equals("amqps")
        ? "https://" + first.getHost() + ":15671"
        : "http://" + first.getHost() + ":15672";
  }

  /**
   * Whether Docker can run a container. Testcontainers is asked only where something points to a
   * Docker engine: without one it logs a page of errors, which a machine that simply has no Docker
   * should not print.
   */
  static boolean dockerAvailable() {
    boolean windows = System.getProperty("os.name", "").startsWith("Windows");
    return (windows
            || dockerHinted(System.getenv(), dockerPlaces(System.getenv()))
            || LocalService.resolve("docker-machine").isPresent())
        && DockerClientFactory.instance().isDockerAvailable();
  }

  /**
   * Whether a variable ({@code DOCKER_*}, {@code TESTCONTAINERS_*}) or a file among {@code places}
   * (a socket, Docker's or Testcontainers' configuration) says where a Docker engine may be.
   */
  static boolean dockerHinted(Map<String, String> env, List<Path> places) {
    boolean variable =
        env.keySet().stream()
            .anyMatch(k -> k.startsWith("DOCKER_") || k.startsWith("TESTCONTAINERS_"));
    return variable || places.stream().anyMatch(Files::exists);
  }

  /** Where Testcontainers looks for a Docker engine or its address on Linux and macOS. */
  private static List<Path> dockerPlaces(Map<String, String> env) {
    Path home = Path.of(System.getProperty("user.home"));
    List<Path> places = new ArrayList<>();
    places.add(Path.of("/var/run/docker.sock"));
    places.add(Path.of("/run/docker.sock"));
    places.add(home.resolve(".docker"));
    places.add(home.resolve(".testcontainers.properties"));
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isBlank()) {
      places.add(Path.of(runtime, "docker.sock"));
      places.add(Path.of(runtime, ".docker", "run", "docker.sock"));
    }
    return places;
  }
}
