package io.agentmq.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceSourceTest {
  private static final String IMAGE = "rabbitmq:4.1.4-management";

  @TempDir Path dir;

  private final AtomicInteger localAsked = new AtomicInteger();
  private final AtomicInteger dockerAsked = new AtomicInteger();

  private Supplier<Optional<String>> local(Optional<String> failure) {
    return () -> {
      localAsked.incrementAndGet();
      return failure;
    };
  }

  private BooleanSupplier docker(boolean available) {
    return () -> {
      dockerAsked.incrementAndGet();
      return available;
    };
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * The one line a service with this advice gives where nothing listens and nothing is installed.
   */
  private static String notInstalled(String name, String advice) throws IOException {
    LocalService service =
        LocalService.named(name, "127.0.0.1", freePort())
            .startWith("agentmq-no-such-server", "-detached")
            .howTo(advice);
    try {
      service.ensure();
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
    throw new AssertionError(name + " unexpectedly listens");
  }

  @Test
  @DisplayName("uses the URL the variable names without looking at the local service or Docker")
  void variableFirst() {
    ServiceSource source =
        ServiceSource.choose(
            "AMQP_URL",
            Optional.of("amqp://guest:guest@broker:5672"),
            local(Optional.empty()),
            docker(true),
            IMAGE);

    assertThat(source).isEqualTo(ServiceSource.ENVIRONMENT);
    assertThat(localAsked).hasValue(0);
    assertThat(dockerAsked).hasValue(0);
  }

  @Test
  @DisplayName("uses the local service when the variable is unset or blank, and never asks Docker")
  void localSecond() {
    assertThat(
            ServiceSource.choose(
                "AMQP_URL", Optional.empty(), local(Optional.empty()), docker(true), IMAGE))
        .isEqualTo(ServiceSource.LOCAL);
    assertThat(
            ServiceSource.choose(
                "AMQP_URL", Optional.of("  "), local(Optional.empty()), docker(true), IMAGE))
        .isEqualTo(ServiceSource.LOCAL);
    assertThat(localAsked).hasValue(2);
    assertThat(dockerAsked).hasValue(0);
  }

  @Test
  @DisplayName("starts a container when there is no variable and no local service but Docker runs")
  void containerThird() {
    ServiceSource source =
        ServiceSource.choose(
            "AMQP_URL",
            Optional.empty(),
            local(Optional.of("RabbitMQ is not running at 127.0.0.1:5672")),
            docker(true),
            IMAGE);

    assertThat(source).isEqualTo(ServiceSource.CONTAINER);
    assertThat(localAsked).hasValue(1);
    assertThat(dockerAsked).hasValue(1);
  }

  @Test
  @DisplayName(
      "fails in one line that names the three ways to get a RabbitMQ: install it, set AMQP_URL,"
          + " or make Docker available for the pinned image")
  void rabbitMqFailureNamesEveryWay() throws IOException {
    String local = notInstalled("RabbitMQ", TestServices.RABBITMQ_HOW_TO);

    assertThatThrownBy(
            () ->
                ServiceSource.choose(
                    "AMQP_URL",
                    Optional.empty(),
                    local(Optional.of(local)),
                    docker(false),
                    TestServices.RABBITMQ_IMAGE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(local)
        .hasMessageContaining("apt-get install rabbitmq-server")
        .hasMessageContaining("set AMQP_URL")
        .hasMessageContaining("Docker")
        .hasMessageContaining("rabbitmq:4.1.4-management")
        .hasMessageNotContaining("\n");
  }

  @Test
  @DisplayName(
      "fails in one line that names the three ways to get a PostgreSQL: install it, set"
          + " AGENTMQ_TEST_JDBC_URL, or make Docker available for the pinned image")
  void postgresFailureNamesEveryWay() throws IOException {
    String local = notInstalled("PostgreSQL", TestServices.POSTGRES_HOW_TO);

    assertThatThrownBy(
            () ->
                ServiceSource.choose(
                    "AGENTMQ_TEST_JDBC_URL",
                    Optional.empty(),
                    local(Optional.of(local)),
                    docker(false),
                    TestServices.POSTGRES_IMAGE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(local)
        .hasMessageContaining("apt-get install postgresql")
        .hasMessageContaining("set AGENTMQ_TEST_JDBC_URL")
        .hasMessageContaining("Docker")
        .hasMessageContaining("postgres:16-alpine")
        .hasMessageNotContaining("\n");
    assertThat(dockerAsked).hasValue(1);
  }

  @Test
  @DisplayName(
      "asks Testcontainers about Docker only where a variable or a socket or configuration file"
          + " points to one")
  void dockerHints() throws IOException {
    Path socket = dir.resolve("docker.sock");
    List<Path> none = List.of(socket, dir.resolve(".docker"));

    assertThat(TestServices.dockerHinted(Map.of("PATH", "/usr/bin"), none)).isFalse();
    assertThat(TestServices.dockerHinted(Map.of("DOCKER_HOST", "tcp://127.0.0.1:2375"), none))
        .isTrue();
    assertThat(
            TestServices.dockerHinted(
                Map.of("TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE", "/run/podman.sock"), none))
        .isTrue();
    Files.createFile(socket);
    assertThat(TestServices.dockerHinted(Map.of(), none)).isTrue();
  }

  @Test
  @DisplayName("runs the RabbitMQ image docker-compose.yml pins")
  void sameRabbitMqImageAsCompose() throws IOException {
    String compose = Files.readString(Path.of("..", "docker-compose.yml"));

    assertThat(compose).contains("image: " + TestServices.RABBITMQ_IMAGE + "\n");
  }
}
