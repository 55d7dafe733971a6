package io.agentmq.agents.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.agentmq.agents.Pipeline;
import io.agentmq.api.Health;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code /health} (readiness and liveness as JSON; 200 when ready, else 503), {@code /health/live},
 * {@code /health/ready} and {@code /metrics} (Prometheus text) for {@code agentmq run}.
 */
final class HttpEndpoint implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;

  HttpEndpoint(int port, Pipeline pipeline, PrometheusMeterRegistry metrics, BooleanSupplier live)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 16);
    server.createContext(
        "/health",
        exchange -> {
          Health health = pipeline.health();
          boolean isLive = live.getAsBoolean();
          String path = exchange.getRequestURI().getPath();
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("status", health.status().toString());
          body.put("live", isLive);
          body.put("ready", health.isUp());
          if (path.equals("/health")) {
            body.put("details", health.details());
          }
          boolean ok =
              switch (path) {
                case "/health/live" -> isLive;
                case "/health", "/health/ready" -> health.isUp();
                default -> false;
              };
          int status = path.matches("/health(/live|/ready)?") ? (ok ? 200 : 503) : 404;
          send(exchange, status, "application/json", JSON.writeValueAsString(body));
        });
    server.createContext(
        "/metrics",
        exchange ->
            send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
