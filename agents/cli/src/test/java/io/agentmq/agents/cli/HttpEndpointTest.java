package io.agentmq.agents.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.agentmq.api.Health;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** The HTTP endpoint of {@code agentmq run}, served for real and asked with a real HTTP client. */
class HttpEndpointTest {
  private static final String TOKEN = "s3cret-token-0123456789abcdef";
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private final AtomicInteger healthChecks = new AtomicInteger();
  private final List<HttpEndpoint> endpoints = new ArrayList<>();

  @TempDir Path tmp;

  @AfterEach
  void closeEndpoints() {
    endpoints.forEach(HttpEndpoint::close);
  }

  private Health countedHealth() {
    healthChecks.incrementAndGet();
    return Health.up(Map.of("broker", "memory"));
  }

  private HttpEndpoint start(String host, Optional<BearerAuthenticator> token) throws IOException {
    return start(host, token, this::countedHealth, HttpEndpoint.HEALTH_CACHE_TIME);
  }

  private HttpEndpoint start(
      String host,
      Optional<BearerAuthenticator> token,
      Supplier<Health> health,
      Duration healthCacheTime)
      throws IOException {
    HttpEndpoint endpoint =
        new HttpEndpoint(
            HttpEndpoint.address(host, 0),
            token,
            health,
            () -> "agentmq_test_total 1.0\n",
            () -> true,
            Optional.empty(),
            healthCacheTime);
    endpoints.add(endpoint);
    return endpoint;
  }

  private static Optional<BearerAuthenticator> token() {
    return BearerAuthenticator.load(null, Map.of(BearerAuthenticator.ENVIRONMENT_VARIABLE, TOKEN));
  }

  private static HttpRequest.Builder request(HttpEndpoint endpoint, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path))
        .timeout(Duration.ofSeconds(10));
  }

  private static HttpResponse<String> get(HttpEndpoint endpoint, String path, String authorization)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = request(endpoint, path);
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertTokenAbsent(HttpResponse<String> response) {
    assertThat(response.body()).doesNotContain(TOKEN);
    assertThat(response.headers().map().toString()).doesNotContain(TOKEN);
  }

  /** Captures what {@link HttpEndpoint} logs while it is attached. */
  private static final class CapturedLog implements AutoCloseable {
    private final Logger logger = (Logger) LoggerFactory.getLogger(HttpEndpoint.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    CapturedLog() {
      appender.start();
      logger.addAppender(appender);
    }

    List<String> warnings() {
      return appender.list.stream()
          .filter(e -> e.getLevel() == Level.WARN)
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }

    @Override
    public void close() {
      logger.detachAppender(appender);
    }
  }

  @Nested
  @DisplayName("binding")
  class Binding {
    @Test
    @DisplayName("run's endpoint listens on 127.0.0.1 unless --http-host says otherwise")
    void runDefaultsToLoopback() {
      CommandLine.ParseResult byDefault =
          AgentMqCommand.commandLine().parseArgs("run", "all", "--http-port", "0");
      RunCommand run = (RunCommand) byDefault.subcommand().commandSpec().userObject();
      assertThat(run.httpOptions.host).isEqualTo(HttpEndpoint.DEFAULT_HOST).isEqualTo("127.0.0.1");

      CommandLine.ParseResult chosen =
          AgentMqCommand.commandLine()
              .parseArgs("run", "all", "--http-port", "0", "--http-host", "0.0.0.0");
      assertThat(((RunCommand) chosen.subcommand().commandSpec().userObject()).httpOptions.host)
          .isEqualTo("0.0.0.0");
    }

    @Test
    @DisplayName("the default host binds the loopback address only, and says so, without a warning")
    void defaultHostBindsLoopback() throws Exception {
      try (CapturedLog log = new CapturedLog()) {
        HttpEndpoint endpoint = start(HttpEndpoint.DEFAULT_HOST, Optional.empty());

        InetAddress bound = endpoint.boundAddress().getAddress();
        assertThat(bound.isLoopbackAddress()).isTrue();
        assertThat(bound.getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(endpoint.description()).isEqualTo("http://127.0.0.1:" + endpoint.port());
        assertThat(get(endpoint, "/health", null).statusCode()).isEqualTo(200);
        assertThat(log.warnings()).isEmpty();
      }
    }

    @Test
    @DisplayName(
        "--http-host 0.0.0.0 binds every interface, and without a token a WARN names the risk")
    void wildcardHostWithoutTokenWarns() throws Exception {
      try (CapturedLog log = new CapturedLog()) {
        HttpEndpoint endpoint = start("0.0.0.0", Optional.empty());

        assertThat(endpoint.boundAddress().getAddress().isAnyLocalAddress()).isTrue();
        assertThat(endpoint.description())
            .isEqualTo("http://0.0.0.0:" + endpoint.port() + " (every interface)");
        assertThat(get(endpoint, "/health", null).statusCode()).isEqualTo(200);
        assertThat(log.warnings())
            .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
            .contains("http://0.0.0.0:" + endpoint.port())
            .contains("without a bearer token")
            .contains("anyone who can reach this address")
            .contains("--http-token-file", "AGENTMQ_HTTP_TOKEN");
      }
    }

    @Test
    @DisplayName("a non-loopback host with a token raises no warning and says a token is required")
    void wildcardHostWithTokenDoesNotWarn() throws Exception {
      try (CapturedLog log = new CapturedLog()) {
        HttpEndpoint endpoint = start("0.0.0.0", token());

        assertThat(endpoint.description())
            .isEqualTo(
                "http://0.0.0.0:" + endpoint.port() + " (every interface, bearer token required)");
        assertThat(log.warnings()).isEmpty();
      }
    }

    @Test
    @DisplayName(
        "an unknown host, a port out of range or a port in use is refused saying what to do")
    void badAddressesAreRefused() throws Exception {
      assertThatThrownBy(() -> HttpEndpoint.address("no-such-host.invalid", 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--http-host no-such-host.invalid is not a known host")
          .hasMessageContaining("127.0.0.1 (the default), 0.0.0.0 or ::");
      assertThatThrownBy(() -> HttpEndpoint.address(" ", 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--http-host is empty");
      assertThatThrownBy(() -> HttpEndpoint.address("127.0.0.1", 70000))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--http-port 70000 is out of range; give 1-65535, or 0");

      HttpEndpoint taken = start(HttpEndpoint.DEFAULT_HOST, Optional.empty());
      InetSocketAddress same = new InetSocketAddress("127.0.0.1", taken.port());
      assertThatThrownBy(
              () ->
                  new HttpEndpoint(
                      same,
                      Optional.empty(),
                      this::healthUp,
                      () -> "",
                      () -> true,
                      Optional.empty()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cannot serve health and metrics on 127.0.0.1:" + taken.port())
          .hasMessageContaining("choose another --http-port (0 for any free one)");
    }

    private Health healthUp() {
      return Health.up(Map.of());
    }
  }

  @Nested
  @DisplayName("bearer token")
  class BearerToken {
    @Test
    @DisplayName("without the token every path answers 401 with WWW-Authenticate: Bearer")
    void missingTokenIsRefused() throws Exception {
      HttpEndpoint endpoint = start(HttpEndpoint.DEFAULT_HOST, token());

      for (String path : List.of("/health", "/health/live", "/health/ready", "/metrics", "/x")) {
        HttpResponse<String> response = get(endpoint, path, null);
        assertThat(response.statusCode()).as(path).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate"))
            .as(path)
            .hasValue("Bearer realm=\"agentmq\"");
        assertTokenAbsent(response);
      }
      assertThat(healthChecks).hasValue(0);
    }

    @Test
    @DisplayName("a wrong token, a token prefix or the right token under Basic is refused with 401")
    void wrongTokenIsRefused() throws Exception {
      HttpEndpoint endpoint = start(HttpEndpoint.DEFAULT_HOST, token());

      for (String authorization :
          List.of(
              "Bearer not-the-token-0123456789",
              "Bearer " + TOKEN.substring(0, TOKEN.length() - 1),
              "Bearer " + TOKEN + "x",
              "Bearer",
              "Basic " + TOKEN)) {
        HttpResponse<String> response = get(endpoint, "/metrics", authorization);
        assertThat(response.statusCode()).as(authorization).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
            .as(authorization)
            .startsWith("Bearer realm=\"agentmq\"");
        assertTokenAbsent(response);
      }
      assertThat(
              get(endpoint, "/metrics", "Bearer wrong-token-0123456789")
                  .headers()
                  .firstValue("WWW-Authenticate"))
          .hasValue("Bearer realm=\"agentmq\", error=\"invalid_token\"");
      assertThat(healthChecks).hasValue(0);
    }

    @Test
    @DisplayName("the right token opens every path, and no response repeats it")
    void rightTokenIsAdmitted() throws Exception {
      HttpEndpoint endpoint = start(HttpEndpoint.DEFAULT_HOST, token());

      for (String path : List.of("/health", "/health/live", "/health/ready", "/metrics")) {
        HttpResponse<String> response = get(endpoint, path, "Bearer " + TOKEN);
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        assertTokenAbsent(response);
      }
      assertThat(get(endpoint, "/metrics", "bearer " + TOKEN).body())
          .as("the scheme is case-insensitive")
          .isEqualTo("agentmq_test_total 1.0\n");
      assertThat(get(endpoint, "/health", "Bearer " + TOKEN).body())
          .contains(
              "\"status\":\"UP\"", "\"live\":true", "\"ready\":true", "\"broker\":\"memory\"");
      HttpResponse<String> unknown = get(endpoint, "/nothing", "Bearer " + TOKEN);
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknown.body()).contains("/health, /health/live, /health/ready, /metrics");
    }

    @Test
    @DisplayName("the token file wins over AGENTMQ_HTTP_TOKEN, and its trailing newline is ignored")
    void tokenFileWinsOverEnvironment() throws Exception {
      Path file = tmp.resolve("http-token");
      Files.writeString(file, TOKEN + "\n");
      Optional<BearerAuthenticator> token =
          BearerAuthenticator.load(
              file,
              Map.of(BearerAuthenticator.ENVIRONMENT_VARIABLE, "environment-token-0123456789"));
      HttpEndpoint endpoint = start(HttpEndpoint.DEFAULT_HOST, token);

      assertThat(get(endpoint, "/metrics", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
      assertThat(get(endpoint, "/metrics", "Bearer environment-token-0123456789").statusCode())
          .isEqualTo(401);
      assertThat(token.orElseThrow().toString()).doesNotContain(TOKEN).contains("****");
    }

    @Test
    @DisplayName("no token file and no AGENTMQ_HTTP_TOKEN means no token is asked for")
    void noTokenWhenNoneIsConfigured() {
      assertThat(BearerAuthenticator.load(null, Map.of())).isEmpty();
    }

    @Test
    @DisplayName(
        "a missing token file, or a token that is short, empty or holds a space, is refused"
            + " without printing it")
    void badTokensAreRefusedWithoutEchoingThem() throws Exception {
      Path missing = tmp.resolve("missing-token");
      assertThatThrownBy(() -> BearerAuthenticator.load(missing, Map.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "cannot read the --http-token-file "
                  + missing
                  + ": no such file; give a file that holds the bearer token");

      Path spaced = tmp.resolve("spaced-token");
      Files.writeString(spaced, "correct horse battery staple");
      assertThatThrownBy(() -> BearerAuthenticator.load(spaced, Map.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("the bearer token in the --http-token-file " + spaced)
          .hasMessageContaining("at least 16 characters of visible ASCII")
          .message()
          .doesNotContain("horse");

      for (String value : List.of("", "  ", "short-secret")) {
        assertThatThrownBy(
                () ->
                    BearerAuthenticator.load(
                        null, Map.of(BearerAuthenticator.ENVIRONMENT_VARIABLE, value)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("the bearer token in AGENTMQ_HTTP_TOKEN is not acceptable")
            .message()
            .doesNotContain("short-secret");
      }
    }
  }

  @Nested
  @DisplayName("health cache")
  class HealthCache {
    @Test
    @DisplayName(
        "50 concurrent /health requests, and more within the cache time, share one health check")
    void burstSharesOneHealthCheck() throws Exception {
      CountDownLatch release = new CountDownLatch(1);
      Supplier<Health> slowHealth =
          () -> {
            Health health = countedHealth();
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return health;
          };
      // A cache time far longer than the test, so that the count depends on nothing but sharing.
      HttpEndpoint endpoint =
          start(HttpEndpoint.DEFAULT_HOST, Optional.empty(), slowHealth, Duration.ofMinutes(10));

      List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String path = List.of("/health", "/health/ready", "/health/live").get(i % 3);
        burst.add(
            CLIENT.sendAsync(
                request(endpoint, path).build(), HttpResponse.BodyHandlers.ofString()));
      }
      // One request runs the check; every other request thread waits for its result.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> healthChecks.get() == 1 && blockedRequestThreads() == HttpEndpoint.THREADS - 1);
      release.countDown();

      for (CompletableFuture<HttpResponse<String>> response : burst) {
        assertThat(response.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      }
      for (int i = 0; i < 10; i++) {
        assertThat(get(endpoint, "/health", null).statusCode()).isEqualTo(200);
      }
      assertThat(healthChecks).hasValue(1);
    }

    @Test
    @DisplayName("with no cache time every request checks health (the counter does count)")
    void zeroCacheTimeChecksEveryTime() throws Exception {
      HttpEndpoint endpoint =
          start(HttpEndpoint.DEFAULT_HOST, Optional.empty(), this::check, Duration.ZERO);

      for (int i = 0; i < 5; i++) {
        assertThat(get(endpoint, "/health", null).statusCode()).isEqualTo(200);
      }
      assertThat(healthChecks).hasValue(5);
    }

    @Test
    @DisplayName("health is checked again once the cache time has passed, and only then")
    void healthIsCheckedAgainAfterTheCacheTime() {
      AtomicLong nanos = new AtomicLong(1_000);
      CachedHealth health = new CachedHealth(this::check, Duration.ofSeconds(1), nanos::get);

      health.get();
      nanos.addAndGet(Duration.ofMillis(999).toNanos());
      health.get();
      assertThat(healthChecks).hasValue(1);

      nanos.addAndGet(Duration.ofMillis(1).toNanos());
      health.get();
      assertThat(healthChecks).hasValue(2);
    }

    @Test
    @DisplayName("a failing health check is cached as DOWN naming its class, not its message")
    void failingCheckIsCachedAsDown() throws Exception {
      Supplier<Health> failing =
          () -> {
            healthChecks.incrementAndGet();
            throw new IllegalStateException("amqp://agent:pa55word@broker");
          };
      HttpEndpoint endpoint =
          start(HttpEndpoint.DEFAULT_HOST, Optional.empty(), failing, Duration.ofMinutes(10));

      HttpResponse<String> first = get(endpoint, "/health", null);
      HttpResponse<String> second = get(endpoint, "/health/ready", null);
      assertThat(first.statusCode()).isEqualTo(503);
      assertThat(second.statusCode()).isEqualTo(503);
      assertThat(first.body())
          .contains("the health check failed: java.lang.IllegalStateException")
          .doesNotContain("pa55word");
      assertThat(get(endpoint, "/health/live", null).statusCode()).isEqualTo(200);
      assertThat(healthChecks).hasValue(1);
    }

    private Health check() {
      return countedHealth();
    }

    private static long blockedRequestThreads() {
      return Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().startsWith("agentmq-http-"))
          .filter(t -> t.getState() == Thread.State.BLOCKED)
          .count();
    }
  }

  @Test
  @DisplayName("only GET and HEAD are served; other methods get 405 with Allow")
  void onlyGetAndHead() throws Exception {
    HttpEndpoint endpoint = start(HttpEndpoint.DEFAULT_HOST, Optional.empty());

    HttpResponse<String> post =
        CLIENT.send(
            request(endpoint, "/health").POST(HttpRequest.BodyPublishers.ofString("x")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");

    HttpResponse<String> head =
        CLIENT.send(
            request(endpoint, "/health")
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
  }
}
