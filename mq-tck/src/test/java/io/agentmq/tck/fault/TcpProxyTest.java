package io.agentmq.tck.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The TCP proxy of the fault scenarios, against an echo server on a local socket. */
@Timeout(30)
class TcpProxyTest {
  private EchoServer echo;
  private TcpProxy proxy;

  @BeforeEach
  void start() throws IOException {
    echo = new EchoServer();
    proxy = TcpProxy.start(echo.port());
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    echo.close();
  }

  @Test
  @DisplayName("forwards bytes both ways between a client and the target")
  void forwards() throws IOException {
    try (Socket client = connect()) {
      send(client, "hello");
      assertThat(receive(client, 5)).isEqualTo("hello");
      assertThat(proxy.connections()).isEqualTo(1);
    }
  }

  @Test
  @DisplayName(
      "a black hole holds bytes in both directions and keeps new connections from the target,"
          + " and healing delivers what was held, in order")
  void blackHoleThenHeal() throws IOException {
    try (Socket open = connect()) {
      send(open, "a");
      assertThat(receive(open, 1)).isEqualTo("a");
      proxy.blackHole();
      send(open, "bc");
      try (Socket late = connect()) {
        send(late, "d");
        assertNothingArrives(open);
        assertNothingArrives(late);
        assertThat(echo.received.get()).isEqualTo(1);
        assertThat(echo.accepted.get()).isEqualTo(1);

        proxy.heal();

        assertThat(receive(open, 2)).isEqualTo("bc");
        assertThat(receive(late, 1)).isEqualTo("d");
        assertThat(echo.accepted.get()).isEqualTo(2);
      }
    }
  }

  @Test
  @DisplayName("a cut downstream lets the target receive but not answer until healed")
  void cutDownstream() throws IOException {
    try (Socket client = connect()) {
      send(client, "w");
      assertThat(receive(client, 1)).isEqualTo("w");
      proxy.cut(TcpProxy.Direction.DOWNSTREAM);
      send(client, "xyz");
      await().atMost(Duration.ofSeconds(5)).until(() -> echo.received.get() == 4);
      assertNothingArrives(client);
      proxy.heal();
      assertThat(receive(client, 3)).isEqualTo("xyz");
    }
  }

  @Test
  @DisplayName("a cut upstream keeps the target from receiving until healed")
  void cutUpstream() throws IOException {
    try (Socket client = connect()) {
      send(client, "q");
      assertThat(receive(client, 1)).isEqualTo("q");
      proxy.cut(TcpProxy.Direction.UPSTREAM);
      send(client, "rs");
      assertNothingArrives(client);
      assertThat(echo.received.get()).isEqualTo(1);
      proxy.heal();
      assertThat(receive(client, 2)).isEqualTo("rs");
    }
  }

  @Test
  @DisplayName("a reset breaks open connections with a RST, and new ones are served")
  void reset() throws IOException {
    try (Socket client = connect()) {
      send(client, "1");
      assertThat(receive(client, 1)).isEqualTo("1");
      proxy.reset();
      assertThatThrownBy(() -> client.getInputStream().read())
          .isInstanceOf(SocketException.class)
          .hasMessageContaining("reset");
    }
    try (Socket again = connect()) {
      send(again, "2");
      assertThat(receive(again, 1)).isEqualTo("2");
    }
  }

  @Test
  @DisplayName("latency delays each direction by the given time")
  void latency() throws IOException {
    try (Socket client = connect()) {
      proxy.latency(Duration.ofMillis(200));
      long start = System.nanoTime();
      send(client, "L");
      assertThat(receive(client, 1)).isEqualTo("L");
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(Duration.ofMillis(400));
    }
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    socket.setSoTimeout(5_000);
    return socket;
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static String receive(Socket socket, int bytes) throws IOException {
    byte[] buffer = new byte[bytes];
    InputStream in = socket.getInputStream();
    int read = 0;
    while (read < bytes) {
      int n = in.read(buffer, read, bytes - read);
      if (n < 0) {
        break;
      }
      read += n;
    }
    return new String(buffer, 0, read, StandardCharsets.UTF_8);
  }

  /** Nothing is readable for half a second. */
  private static void assertNothingArrives(Socket socket) throws IOException {
    int timeout = socket.getSoTimeout();
    socket.setSoTimeout(500);
    try {
      assertThatThrownBy(() -> socket.getInputStream().read())
          .isInstanceOf(SocketTimeoutException.class);
    } finally {
      socket.setSoTimeout(timeout);
    }
  }

  /** Echoes every byte back, counting connections and bytes received. */
  private static final class EchoServer implements AutoCloseable {
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger received = new AtomicInteger();
    private final ServerSocket server;

    EchoServer() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t = new Thread(this::serve, "echo-accept");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          accepted.incrementAndGet();
          Thread t =
              new Thread(
                  () -> {
                    try (socket) {
                      InputStream in = socket.getInputStream();
                      OutputStream out = socket.getOutputStream();
                      int b;
                      while ((b = in.read()) >= 0) {
                        received.incrementAndGet();
                        out.write(b);
                        out.flush();
                      }
                    } catch (IOException e) {
                      // the connection ended
                    }
                  },
                  "echo");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
