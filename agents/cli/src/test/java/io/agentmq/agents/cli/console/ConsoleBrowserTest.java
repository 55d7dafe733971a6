package io.agentmq.agents.cli.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpServer;
import io.agentmq.agents.PipelineSchemas;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.NonRetryableException;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import io.agentmq.api.deadletter.DeadLetterStats;
import io.agentmq.micrometer.MessagingMetrics;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.serialization.MessageCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** The web console in headless Chromium, driven through Selenium, over the memory backend. */
@Timeout(180)
class ConsoleBrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOT = Path.of("target", "console.png");
  private static final String TOPIC = "orders";
  private static final String DEAD_LETTER_TOPIC = "orders.deadletter";
  private static final String GROUP = "billing";
  private static final String NON_RETRYABLE = "non-retryable failure";
  private static final String RETRIES_EXHAUSTED = "failed 1 attempts (max_retries 0)";

  private MessageQueue queue;
  private MessagingMetrics metrics;
  private Console console;
  private HttpServer server;
  private WebDriver browser;
  private String base;
  private final AtomicInteger acknowledged = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      fail(
          "headless Chromium is needed at "
              + CHROMIUM
              + " and "
              + CHROMEDRIVER
              + ": install it with 'apt-get install chromium chromium-driver' (.ci/run does it)");
    }
    queue = MessageQueue.create(MqConfig.builder().brokerType("memory").maxRetries(0).build());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metrics = new MessagingMetrics(queue);
    metrics.bindTo(registry);
    queue.subscribe(
        Subscription.to(TOPIC)
            .group(GROUP)
            .concurrency(1)
            .handler(
                d -> {
                  boolean replayed = d.header(Headers.REPLAY_COUNT).isPresent();
                  if (!replayed && d.header(Headers.TYPE).isPresent()) {
                    throw new NonRetryableException("the order cannot be refunded twice");
                  }
                  if (!replayed && d.message().payloadAsText().startsWith("broken")) {
                    throw new IllegalStateException("no parser for this order");
                  }
                  acknowledged.incrementAndGet();
                })
            .build());
    MessageCodec codec = PipelineSchemas.codec();
    PayloadDecoder decoder =
        m -> {
          try {
            return JsonFormat.printer().print(codec.decode(m));
          } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(e);
          }
        };
    console =
        Console.start(queue, registry, decoder, new Console.Settings(false, Duration.ofSeconds(1)));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext(Console.PATH, console.handler());
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    browser = chromium();
    // A form's submit may return before the next page loaded: lookups wait for it to appear.
    browser.manage().timeouts().implicitlyWait(Duration.ofSeconds(5));
  }

  private static WebDriver chromium() {
    // Both paths given: Selenium Manager has nothing to look up (and no network to try).
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1280,1500");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    return new ChromeDriver(service, options);
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.stop(0);
    }
    if (console != null) {
      console.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    if (queue != null) {
      queue.close();
    }
  }

  @Test
  @DisplayName(
      "the console shows topic, group, lag, health and dead letters by reason; its replay and purge"
          + " buttons change the counts as the dead-letter operations say")
  void consoleInChromium() throws Exception {
    Producer producer = queue.createProducer();
    MessageCodec codec = PipelineSchemas.codec();
    for (int i = 1; i <= 3; i++) {
      ChangeRequest refund =
          ChangeRequest.newBuilder()
              .setId("refund-" + i)
              .setDescriptionMd("Refund order 4" + i + " <script>alert(1)</script>")
              .setRepo("/srv/shop")
              .build();
      producer.sendAndWait(TOPIC, codec.encoder(refund).key("customer-" + i).build());
    }
    for (int i = 1; i <= 2; i++) {
      producer.sendAndWait(TOPIC, Message.of("k" + i, ("broken order 7" + i).getBytes()));
    }
    for (int i = 1; i <= 4; i++) {
      producer.sendAndWait(TOPIC, Message.of("k" + i, ("order " + i).getBytes()));
    }
    int good = 4;
    for (int round = 0; round < 16; round++) { // some seconds of traffic for the rate chart
      for (int i = 0; i < 2 + round % 5 + round / 4; i++, good++) {
        producer.sendAndWait(TOPIC, Message.of("t" + i, ("order t" + round).getBytes()));
      }
      Thread.sleep(500);
    }
    int acknowledgedBeforeReplay = good;
    await().atMost(Duration.ofSeconds(30)).until(() -> stats().total() == 5);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> acknowledged.get() == acknowledgedBeforeReplay);
    Thread.sleep(1500); // the last rate samples

    // The overview: topic and group rows, lag, health, the dead-letter topic by reason.
    browser.get(base + "/console?refresh=off");
    WebElement topic = row("data-topic", TOPIC);
    assertThat(topic.getText()).contains(GROUP);
    assertThat(topic.findElement(By.className("lag-seconds")).getText()).matches(DURATION);
    assertThat(topic.findElement(By.className("dead-letters")).getText()).isEqualTo("5");
    WebElement group = row("data-group", GROUP);
    assertThat(group.findElement(By.className("lag-messages")).getText()).isEqualTo("0");
    assertThat(group.findElement(By.className("lag-seconds")).getText()).matches(DURATION);
    assertThat(group.findElement(By.className("health")).getText()).isEqualTo("UP");
    assertThat(row("data-consumer", GROUP).findElement(By.className("health")).getText())
        .isEqualTo("UP");
    WebElement deadLetters = row("data-dead-letter-topic", DEAD_LETTER_TOPIC);
    assertThat(deadLetters.findElement(By.className("total")).getText()).isEqualTo("5");
    assertThat(deadLetters.getText()).contains("3 × " + NON_RETRYABLE, "2 × " + RETRIES_EXHAUSTED);
    assertThat(browser.findElements(By.cssSelector("#rates svg polyline"))).hasSize(2);
    screenshot(SCREENSHOT);

    // The dead-letter topic: reasons with counts, then one message decoded.
    deadLetters.findElement(By.className("open")).click();
    assertThat(reasonCount(NON_RETRYABLE)).isEqualTo("3");
    assertThat(reasonCount(RETRIES_EXHAUSTED)).isEqualTo("2");
    assertThat(browser.findElements(By.cssSelector("#messages tbody tr"))).hasSize(5);
    screenshot(Path.of("target", "console-deadletters.png"));
    messageLink(NON_RETRYABLE).click();
    assertThat(browser.findElement(By.id("payload")).getText()).contains("decoded by its type");
    assertThat(browser.findElement(By.id("payload-text")).getText())
        .contains("\"descriptionMd\"", "/srv/shop")
        .containsPattern("Refund order 4[123] <script>alert\\(1\\)</script>");
    assertThat(browser.findElement(By.id("message")).getText())
        .contains("agentmq.v1.ChangeRequest", "the order cannot be refunded twice", "customer-");
    screenshot(Path.of("target", "console-message.png"));
    browser.navigate().back();
    messageLink(RETRIES_EXHAUSTED).click();
    assertThat(browser.findElement(By.id("payload")).getText()).contains("UTF-8 text");
    assertThat(browser.findElement(By.id("payload-text")).getText()).matches("broken order 7[12]");
    browser.navigate().back();

    // Replay the non-retryable ones: a dry run asks first, the confirmed replay sends them back.
    reasonRow(NON_RETRYABLE).findElement(By.cssSelector("button.replay")).click();
    assertThat(browser.findElement(By.id("dry-run")).getText()).contains("would have replayed 3");
    assertThat(stats().total()).as("the dry run changed nothing").isEqualTo(5);
    screenshot(Path.of("target", "console-confirm.png"));
    browser.findElement(By.cssSelector("button.confirm")).click();
    assertThat(browser.findElement(By.id("notice")).getText()).startsWith("Replayed 3,");
    assertThat(browser.findElement(By.id("total")).getText()).isEqualTo("2");
    assertThat(browser.findElements(By.cssSelector("tr[data-reason='" + NON_RETRYABLE + "']")))
        .isEmpty();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> acknowledged.get() == acknowledgedBeforeReplay + 3);

    // Purge the other reason.
    reasonRow(RETRIES_EXHAUSTED).findElement(By.cssSelector("button.purge")).click();
    assertThat(browser.findElement(By.id("dry-run")).getText()).contains("would have purged 2");
    browser.findElement(By.cssSelector("button.confirm")).click();
    assertThat(browser.findElement(By.id("notice")).getText()).startsWith("Purged 2,");
    assertThat(browser.findElement(By.id("total")).getText()).isEqualTo("0");
    assertThat(stats().total()).isZero();

    browser.get(base + "/console?refresh=off");
    assertThat(
            row("data-dead-letter-topic", DEAD_LETTER_TOPIC)
                .findElement(By.className("total"))
                .getText())
        .isEqualTo("0");
  }

  private static final String DURATION = "\\d+ ms|\\d+\\.\\d s|\\d+ min \\d+ s";

  private DeadLetterStats stats() {
    return queue.deadLetters().stats(TOPIC);
  }

  private WebElement row(String attribute, String value) {
    List<WebElement> rows =
        browser.findElements(By.cssSelector("tr[" + attribute + "='" + value + "']"));
    assertThat(rows).as("rows with %s=%s", attribute, value).hasSize(1);
    return rows.get(0);
  }

  /** The link to the first listed dead letter whose reason starts with {@code reason}. */
  private WebElement messageLink(String reason) {
    return browser.findElements(By.cssSelector("#messages tbody tr")).stream()
        .filter(r -> r.getText().contains(reason + ": "))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no dead letter listed with reason " + reason))
        .findElement(By.cssSelector("a.view"));
  }

  private WebElement reasonRow(String reason) {
    return row("data-reason", reason);
  }

  private String reasonCount(String reason) {
    return reasonRow(reason).findElement(By.className("count")).getText();
  }

  private void screenshot(Path file) throws Exception {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }
}
