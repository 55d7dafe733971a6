package io.agentmq.tck.fault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy in this JVM between clients and a broker, for network faults without Docker: it can
 * delay what it forwards, black-hole everything (a partition: connections stay open but nothing
 * passes either way, new ones are accepted and go nowhere), stop one direction only, reset every
 * connection, and heal. Bytes held during a fault are forwarded in order once healed, as TCP
 * retransmission would, unless an end closed its connection meanwhile.
 *
 * <p>Thread-safe. Each connection uses two platform threads, one per direction.
 */
public final class TcpProxy implements AutoCloseable {

  /** A direction of the traffic through the proxy. */
  public enum Direction {
    /** From the clients to the broker. */
    UPSTREAM,
    /** From the broker to the clients. */
    DOWNSTREAM
  }

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Gate upstream = new Gate();
  private final Gate downstream = new Gate();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile Duration latency = Duration.ZERO;
  private volatile boolean closed;

  private TcpProxy(InetSocketAddress target, ServerSocket server) {
    this.target = target;
    this.server = server;
  }

  /** Listens on a free port of 127.0.0.1 and forwards every connection to {@code target}. */
  public static TcpProxy start(InetSocketAddress target) {
    try {
      ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
      TcpProxy proxy = new TcpProxy(target, server);
      Thread acceptor = new Thread(proxy::acceptLoop, "tcp-proxy-accept-" + server.getLocalPort());
      acceptor.setDaemon(true);
      acceptor.start();
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for a TCP proxy to " + target, e);
    }
  }

  /** As {@link #start(InetSocketAddress)} to {@code 127.0.0.1:port}. */
  public static TcpProxy start(int targetPort) {
    return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
  }

  /** The port clients connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** {@code host:port} for clients. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  /** Connections currently open through the proxy. */
  public int connections() {
    return sockets.size() / 2;
  }

  /** Delays every chunk forwarded from now on by {@code delay}, in both directions. */
  public void latency(Duration delay) {
    this.latency = delay;
  }

  /**
   * A partition: nothing passes in either direction, on open connections and on new ones (they are
   * accepted and reach the broker only when healed). No end learns of it from the proxy.
   */
  public void blackHole() {
    upstream.close();
    downstream.close();
  }

  /**
   * Stops forwarding in one direction only; the other keeps flowing on open connections (a
   * half-broken link). A new connection, which needs both directions, reaches the broker only when
   * healed.
   */
  public void cut(Direction direction) {
    gate(direction).close();
  }

  /** Forwards again in both directions, what was held first; removes any latency. */
  public void heal() {
    latency = Duration.ZERO;
    upstream.open();
    downstream.open();
  }

  /** Resets every open connection (RST to both ends); new connections are served as before. */
  public void reset() {
    for (Socket socket : sockets) {
      abort(socket);
    }
  }

  /** Stops listening and resets every connection; idempotent. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    reset();
    heal(); // wakes threads waiting at a gate, so they see the closed sockets and end
  }

  private Gate gate(Direction direction) {
    return direction == Direction.UPSTREAM ? upstream : downstream;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        client.setTcpNoDelay(true);
        sockets.add(client);
        Thread t = new Thread(() -> connect(client), "tcp-proxy-connect-" + port());
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        if (!closed) {
          // A failed accept of one connection; keep serving the others.
          continue;
        }
      }
    }
  }

  /** Opens the broker side once both directions pass, then pumps each way. */
  private void connect(Socket client) {
    Socket broker = new Socket();
    sockets.add(broker);
    try {
      upstream.awaitOpen();
      downstream.awaitOpen();
      if (closed || client.isClosed()) {
        throw new SocketException("closed before reaching the broker");
      }
      broker.setTcpNoDelay(true);
      broker.connect(target, 5_000);
    } catch (IOException | InterruptedException e) {
      abort(client);
      abort(broker);
      return;
    }
    pump(client, broker, upstream, "up");
    pump(broker, client, downstream, "down");
  }

  private void pump(Socket from, Socket to, Gate gate, String name) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  gate.awaitOpen(); // a chunk read as the fault began is held, not dropped
                  Duration delay = latency;
                  if (!delay.isZero()) {
                    Thread.sleep(delay.toMillis());
                  }
                  out.write(buffer, 0, n);
                  out.flush();
                }
                gate.awaitOpen(); // an end's close passes only when the link does
                from.shutdownInput();
                to.shutdownOutput();
                closeIfDone(from);
                closeIfDone(to);
              } catch (IOException | InterruptedException e) {
                abort(from);
                abort(to);
              }
            },
            "tcp-proxy-" + name + "-" + port());
    t.setDaemon(true);
    t.start();
  }

  /** Closes a socket once neither of its directions is in use. */
  private void closeIfDone(Socket socket) {
    if (socket.isOutputShutdown() && socket.isInputShutdown()) {
      try {
        socket.close();
      } catch (IOException e) {
        // closed anyway
      }
      sockets.remove(socket);
    }
  }

  /** Closes with SO_LINGER 0: the peer gets a RST, not a FIN. */
  private void abort(Socket socket) {
    try {
      if (!socket.isClosed()) {
        if (socket.isConnected()) {
          socket.setSoLinger(true, 0);
        }
        socket.close();
      }
    } catch (IOException e) {
      // closed anyway
    }
    sockets.remove(socket);
  }

  /** Open or closed; threads wait at a closed gate until it opens. */
  private static final class Gate {
    private boolean open = true;

    synchronized void close() {
      open = false;
    }

    synchronized void open() {
      open = true;
      notifyAll();
    }

    synchronized void awaitOpen() throws InterruptedException {
      while (!open) {
        wait();
      }
    }
  }
}
