package io.agentmq.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalServiceTest {
  @TempDir Path dir;

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  @DisplayName(
      "says in one line, every time it is asked, that a service is not running, what was tried and"
          + " how to get one")
  void oneLineFailure() throws Exception {
    int port = freePort();
    LocalService service =
        LocalService.named("Test Broker", "127.0.0.1", port)
            .startWith("agentmq-no-such-server", "-detached")
            .howTo("install it or set TEST_BROKER_URL");

    assertThatThrownBy(service::ensure)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Test Broker is not running at 127.0.0.1:"
                + port
                + " and starting it did not help (tried: agentmq-no-such-server (not installed)):"
                + " install it or set TEST_BROKER_URL");
    assertThatThrownBy(service::ensure).hasMessageContaining("is not running").hasNoCause();
  }

  @Test
  @DisplayName("starts a service that is installed but not running, and waits until it listens")
  void startsIt() throws Exception {
    int port = freePort();
    Path pidFile = dir.resolve("pid");
    String java = ProcessHandle.current().info().command().orElse("java");
    String command =
        java
            + " -cp "
            + System.getProperty("java.class.path")
            + " '"
            + PortHolder.class.getName()
            + "' "
            + port
            + " "
            + pidFile
            + " > /dev/null 2>&1 &";
    try {
      LocalService.named("Port Holder", "127.0.0.1", port)
          .startWith("sh", "-c", command)
          .startupWait(Duration.ofSeconds(30))
          .ensure();

      assertThat(LocalService.listening("127.0.0.1", port)).isTrue();
    } finally {
      if (Files.exists(pidFile)) {
        ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
            .ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  /** A stand-in service: listens on a port until killed, its pid in a file. */
  public static final class PortHolder {
    public static void main(String[] args) throws Exception {
      try (ServerSocket socket = new ServerSocket(Integer.parseInt(args[0]))) {
        Files.writeString(Path.of(args[1]), Long.toString(ProcessHandle.current().pid()));
        while (true) {
          socket.accept().close();
        }
      }
    }
  }
}
