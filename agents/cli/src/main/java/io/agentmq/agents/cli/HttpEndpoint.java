package io.agentmq.agents.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.agentmq.agents.cli.console.Console;
import io.agentmq.api.Health;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint of {@code agentmq run}: {@code /health} (readiness and liveness as JSON; 200
 * when ready, else 503), {@code /health/live}, {@code /health/ready} and {@code /metrics}
 * (Prometheus text), and the web console under {@code /console} when given one, on the loopback
 * address unless told otherwise, optionally behind a bearer token (one authenticator for every
 * path), with the health check shared by the requests of {@link #HEALTH_CACHE_TIME}.
 */
final class HttpEndpoint implements AutoCloseable {
  /** The address served unless {@code --http-host} names another. */
  static final String DEFAULT_HOST = "127.0.0.1";

  /** How long one health check answers {@code /health} requests. */
  static final Duration HEALTH_CACHE_TIME = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoint.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Requests served at once; more wait in line. */
  static final int THREADS = 4;

  private static final int BACKLOG = 16;
  private static final String JSON_TYPE = "application/json";
  private static final String TEXT_TYPE = "text/plain; charset=utf-8";
  private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;
  private final Supplier<Health> health;
  private final Supplier<String> metrics;
  private final BooleanSupplier live;
  private final Optional<HttpHandler> console;
  private final boolean tokenRequired;
  private final InetAddress requested;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Starts serving on {@code address}.
   *
   * @param token when present, every request must carry it
   * @param health the (possibly slow) health check, asked at most once per {@link
   *     #HEALTH_CACHE_TIME}
   * @param metrics the Prometheus scrape
   * @param live whether the process is live (not shutting down)
   * @param console handles {@value Console#PATH} and the paths under it, every method; none: no
   *     console
   * @throws IllegalArgumentException when the address cannot be bound, saying what to change
   */
  HttpEndpoint(
      InetSocketAddress address,
      Optional<BearerAuthenticator> token,
      Supplier<Health> health,
      Supplier<String> metrics,
      BooleanSupplier live,
      Optional<HttpHandler> console)
      throws IOException {
    this(address, token, health, metrics, live, console, HEALTH_CACHE_TIME);
  }

  /** As above, the health check shared for {@code healthCacheTime}. */
  HttpEndpoint(
      InetSocketAddress address,
      Optional<BearerAuthenticator> token,
      Supplier<Health> health,
      Supplier<String> metrics,
      BooleanSupplier live,
      Optional<HttpHandler> console,
      Duration healthCacheTime)
      throws IOException {
    this.health = new CachedHealth(health, healthCacheTime);
    this.metrics = metrics;
    this.live = live;
    this.console = console;
    this.tokenRequired = token.isPresent();
    this.requested = address.getAddress();
    try {
      server = HttpServer.create(address, BACKLOG);
    } catch (BindException e) {
      throw new IllegalArgumentException(
          "cannot serve health and metrics on "
              + address.getAddress().getHostAddress()
              + ":"
              + address.getPort()
              + " ("
              + e.getMessage()
              + "); choose another --http-port (0 for any free one), or an address of this machine"
              + " for --http-host");
    }
    HttpContext context = server.createContext("/", this::handle);
    token.ifPresent(context::setAuthenticator);
    executor = Executors.newFixedThreadPool(THREADS, threads());
    server.setExecutor(executor);
    server.start();
    if (!tokenRequired && !server.getAddress().getAddress().isLoopbackAddress()) {
      LOG.warn(
          "serving /health and /metrics on {} without a bearer token: anyone who can reach this"
              + " address can read the broker address, user, group and topic names from /health"
              + " and the metrics; set --http-token-file or {}, or keep --http-host {}",
          url(),
          BearerAuthenticator.ENVIRONMENT_VARIABLE,
          DEFAULT_HOST);
    }
  }

  /**
   * The socket address for {@code host} (an IP address or a name of this machine) and {@code port}.
   *
   * @throws IllegalArgumentException when the host is unknown or the port out of range
   */
  static InetSocketAddress address(String host, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "--http-port " + port + " is out of range; give 1-65535, or 0 for any free port");
    }
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException(
          "--http-host is empty; give an address of this machine, e.g. 127.0.0.1 (the default),"
              + " 0.0.0.0 or :: for every interface");
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host.strip()), port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "--http-host "
              + host
              + " is not a known host; give an address of this machine, e.g. 127.0.0.1 (the"
              + " default), 0.0.0.0 or :: for every interface");
    }
  }

  /** The address the server is bound to. */
  InetSocketAddress boundAddress() {
    return server.getAddress();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /**
   * The URL of the address asked for, with the port bound, e.g. {@code http://127.0.0.1:8080}. (A
   * dual-stack JVM binds {@code 0.0.0.0} as {@code ::}, which says the same in a less known way.)
   */
  String url() {
    InetAddress address = requested;
    String host = address.getHostAddress();
    return "http://" + (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port();
  }

  /** Where the endpoint listens and whether it asks for a token, for the startup line. */
  String description() {
    boolean everyInterface = server.getAddress().getAddress().isAnyLocalAddress();
    String notes =
        (everyInterface ? "every interface" : "")
            + (everyInterface && tokenRequired ? ", " : "")
            + (tokenRequired ? "bearer token required" : "");
    return url() + (notes.isEmpty() ? "" : " (" + notes + ")");
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      if (console.isPresent()
          && (path.equals(Console.PATH) || path.startsWith(Console.PATH + "/"))) {
        console.get().handle(exchange);
      } else if (console.isPresent() && path.equals("/") && method.equals("GET")) {
        exchange.getResponseHeaders().set("Location", Console.PATH);
        send(exchange, 302, TEXT_TYPE, "the console is at " + Console.PATH + "\n");
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, TEXT_TYPE, "only GET and HEAD are served\n");
      } else if (path.equals("/metrics")) {
        send(exchange, 200, PROMETHEUS_TYPE, metrics.get());
      } else if (path.equals("/health")
          || path.equals("/health/live")
          || path.equals("/health/ready")) {
        health(exchange, path);
      } else {
        send(
            exchange,
            404,
            TEXT_TYPE,
            "not found; served: /health, /health/live, /health/ready, /metrics"
                + (console.isPresent() ? ", " + Console.PATH : "")
                + "\n");
      }
    } catch (RuntimeException e) {
      LOG.warn("the HTTP endpoint failed to answer a request: {}", e.getClass().getName());
      send(exchange, 500, TEXT_TYPE, "internal error\n");
    } finally {
      exchange.close();
    }
  }

  private void health(HttpExchange exchange, String path) throws IOException {
    Health current = health.get();
    boolean isLive = live.getAsBoolean();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", current.status().toString());
    body.put("live", isLive);
    body.put("ready", current.isUp());
    if (path.equals("/health")) {
      body.put("details", current.details());
    }
    boolean ok = path.equals("/health/live") ? isLive : current.isUp();
    send(exchange, ok ? 200 : 503, JSON_TYPE, JSON.writeValueAsString(body));
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static ThreadFactory threads() {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, "agentmq-http-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Stops serving at once; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      server.stop(0);
      executor.shutdownNow();
    }
  }
}
