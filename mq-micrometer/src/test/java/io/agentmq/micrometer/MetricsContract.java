package io.agentmq.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.NonRetryableException;
import io.agentmq.api.Producer;
import io.agentmq.api.RetryPolicy;
import io.agentmq.api.Subscription;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A plain-API service (a queue, a subscription, a producer; no agent runtime) with {@link
 * MessagingMetrics} bound to a Prometheus registry served on {@code /metrics}: the scrape shows
 * what its consumer and producer did — deliveries, acknowledged, retried and dead-lettered counts,
 * sends, the dead-letter topic's depth — and the time lag in seconds. A backend runs it by
 * extending this class once.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public abstract class MetricsContract {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private MessageQueue queue;
  private PrometheusMeterRegistry registry;
  private HttpServer server;
  private String topic;

  /** Sets {@code broker_type} and whatever the backend needs to reach its broker. */
  protected abstract MqConfig.Builder configure(MqConfig.Builder builder);

  @BeforeEach
  void serveMetrics() throws IOException {
    topic = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
    queue = MessageQueue.create(configure(MqConfig.builder()).build());
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new MessagingMetrics(queue).bindTo(registry);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
    server.createContext(
        "/metrics",
        exchange -> {
          byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    try {
      queue.admin().deleteTopic(topic);
      queue.admin().deleteTopic(topic + DeadLetterPolicy.SUFFIX);
    } catch (RuntimeException e) {
      // a backend that cannot delete keeps a uniquely named topic
    }
    queue.close();
  }

  @Test
  void scrapeCountsDeliveriesByOutcomeAndSends() throws Exception {
    Set<String> failedOnce = ConcurrentHashMap.newKeySet();
    queue.subscribe(
        Subscription.to(topic)
            .group("metrics")
            .retryPolicy(
                RetryPolicy.ofRetries(3).withBackoff(Duration.ofMillis(10), Duration.ofMillis(50)))
            .handler(
                d -> {
                  String text = d.message().payloadAsText();
                  if (text.startsWith("bad")) {
                    throw new NonRetryableException("refused: " + text);
                  }
                  if (text.startsWith("flaky") && failedOnce.add(text)) {
                    throw new IllegalStateException("first attempt fails");
                  }
                })
            .build());
    // A subscriber's meters exist from its start, at zero: a dashboard shows it before traffic.
    assertThat(
            value(
                scrape(),
                "agentmq_consumer_delivered_total",
                "group=\"metrics\",topic=\"" + topic + "\""))
        .isZero();
    Producer producer = queue.createProducer();
    for (int i = 0; i < 5; i++) {
      producer.sendAndWait(topic, Message.builder(bytes("ok-" + i)).key("k" + i).build());
    }
    producer.sendAndWait(topic, Message.builder(bytes("flaky")).key("f").build());
    producer.sendAndWait(topic, Message.builder(bytes("bad-1")).key("b1").build());
    producer.sendAndWait(topic, Message.builder(bytes("bad-2")).key("b2").build());

    String handled = "agentmq_consumer_handled_seconds_count";
    String labels = "group=\"metrics\",outcome=\"%s\",topic=\"" + topic + "\"";
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              String scrape = scrape();
              assertThat(value(scrape, handled, labels.formatted("acknowledged"))).isEqualTo(6);
              assertThat(value(scrape, handled, labels.formatted("redelivery_scheduled")))
                  .isEqualTo(1);
              assertThat(value(scrape, handled, labels.formatted("dead_lettered"))).isEqualTo(2);
              assertThat(
                      value(
                          scrape,
                          "agentmq_consumer_delivered_total",
                          "group=\"metrics\",topic=\"" + topic + "\""))
                  .isEqualTo(9);
              assertThat(
                      value(
                          scrape,
                          "agentmq_producer_sent_seconds_count",
                          "result=\"success\",topic=\"" + topic + "\""))
                  .isEqualTo(8);
              assertThat(
                      value(
                          scrape,
                          "agentmq_deadletter_depth_messages",
                          "topic=\"" + topic + DeadLetterPolicy.SUFFIX + "\""))
                  .isEqualTo(2);
              assertThat(value(scrape, "agentmq_consumer_lag_messages", "group=\"metrics\""))
                  .isZero();
            });
  }

  @Test
  void timeLagIsTheAgeOfTheOldestUnhandledMessageInSeconds() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    queue.subscribe(
        Subscription.to(topic)
            .group("lagging")
            .handler(
                d -> {
                  if (!release.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                  }
                })
            .build());
    // Published (by its timestamp) 42 s ago: held in the handler, it is the oldest unhandled one.
    queue
        .createProducer()
        .sendAndWait(
            topic,
            Message.builder(bytes("old"))
                .key("k")
                .timestamp(Instant.now().minusSeconds(42))
                .build());
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(timeLag("lagging")).isBetween(41.0, 60.0).as("seconds, held"));

    release.countDown();
    // Handled and nothing after it: the group is caught up.
    await().atMost(WAIT).untilAsserted(() -> assertThat(timeLag("lagging")).isZero());
    assertThat(
            value(
                scrape(),
                "agentmq_consumer_handled_seconds_count",
                "group=\"lagging\",outcome=\"acknowledged\",topic=\"" + topic + "\""))
        .isEqualTo(1);
  }

  /** The time lag of the group's one partition the message went to (the largest of its rows). */
  private double timeLag(String group) throws Exception {
    Matcher m =
        Pattern.compile(
                "agentmq_consumer_time_lag_seconds\\{group=\""
                    + group
                    + "\",partition=\"[^\"]+\",topic=\""
                    + Pattern.quote(topic)
                    + "\"} (\\S+)")
            .matcher(scrape());
    double max = -1;
    while (m.find()) {
      max = Math.max(max, Double.parseDouble(m.group(1)));
    }
    return max;
  }

  private String scrape() throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + server.getAddress().getPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** The sample {@code name{labels}} of the scrape; -1 when it has none. */
  private static double value(String scrape, String name, String labels) {
    Matcher m =
        Pattern.compile(
                "(?m)^" + Pattern.quote(name) + "\\{" + Pattern.quote(labels) + ",?} (\\S+)$")
            .matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
