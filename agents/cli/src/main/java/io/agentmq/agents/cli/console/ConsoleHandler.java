package io.agentmq.agents.cli.console;

import static io.agentmq.agents.cli.console.Html.escape;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.agentmq.agents.cli.console.DeadLetterActions.Operation;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.deadletter.DeadLetterFilter;
import io.agentmq.api.deadletter.DeadLetterStats;
import io.agentmq.api.deadletter.DeadLetterSummary;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the requests under {@code /console}: GET for the pages, POST for replay and purge (a
 * first POST shows a dry run and asks; the confirmed one runs, then redirects to the topic's page).
 *
 * <p>POSTs must carry the console's form token (a page of another site cannot read it) and are
 * refused when read-only; requests that came in on a loopback address must name a loopback host, so
 * that a web page cannot reach the console through a name that resolves to this machine.
 */
final class ConsoleHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleHandler.class);
  private static final int SHOWN_MESSAGES = 50;
  private static final Set<String> LOOPBACK_HOSTS =
      Set.of("localhost", "127.0.0.1", "[::1]", "::1");
  private static final String SECURITY_POLICY =
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self';"
          + " frame-ancestors 'none'; base-uri 'none'";

  private final MessageQueue queue;
  private final ConsoleReader reader;
  private final DeadLetterActions actions;
  private final PayloadDecoder decoder;
  private final Notices notices = new Notices();
  private final String csrf = Notices.randomKey();
  private final boolean readOnly;
  private final int slots;

  ConsoleHandler(
      MessageQueue queue,
      ConsoleReader reader,
      PayloadDecoder decoder,
      boolean readOnly,
      int slots) {
    this.queue = queue;
    this.reader = reader;
    this.actions = new DeadLetterActions(queue.deadLetters());
    this.decoder = decoder;
    this.readOnly = readOnly;
    this.slots = slots;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try {
      if (!hostAllowed(exchange)) {
        send(
            exchange,
            421,
            "Wrong host",
            "<p>Open the console as <code>http://127.0.0.1:"
                + exchange.getLocalAddress().getPort()
                + "/console</code> or through localhost.</p>");
        return;
      }
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      FormData query = FormData.parse(exchange.getRequestURI().getRawQuery());
      if (method.equals("GET") || method.equals("HEAD")) {
        get(exchange, path, query);
      } else if (method.equals("POST") && path.startsWith("/console/deadletters/")) {
        post(exchange, Operation.of(path.substring("/console/deadletters/".length())));
      } else {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD, POST");
        send(
            exchange,
            405,
            "Not allowed",
            "<p>The console answers GET, and POST for replay and purge.</p>");
      }
    } catch (IllegalArgumentException e) {
      send(
          exchange,
          400,
          "Bad request",
          "<p class=\"notice error\">" + escape(e.getMessage()) + "</p>");
    } catch (RuntimeException e) {
      // The exception's class only: a client's message may name broker addresses.
      LOG.warn("the console's request to the broker failed: {}", e.getClass().getName());
      LOG.debug("the console's request failed", e);
      send(
          exchange,
          502,
          "Broker error",
          "<p class=\"notice error\">The broker operation failed ("
              + escape(e.getClass().getName())
              + "); the log of this process says more.</p>");
    }
  }

  private void get(HttpExchange exchange, String path, FormData query) throws IOException {
    switch (path) {
      case "/console", "/console/" -> {
        boolean refresh = !query.get("refresh").filter("off"::equals).isPresent();
        sendPage(exchange, 200, OverviewPage.render(reader.snapshot(), slots, refresh));
      }
      case "/console/deadletters" -> {
        String topic = query.require("topic");
        DeadLetterStats stats = queue.deadLetters().stats(topic);
        List<MessageView> shown =
            queue
                .deadLetters()
                .browse(topic, DeadLetterFilter.ALL.withLimit(SHOWN_MESSAGES))
                .stream()
                .map(d -> MessageView.of(d, decoder))
                .toList();
        sendPage(
            exchange,
            200,
            DeadLetterPage.render(
                queue.backend(),
                stats,
                shown,
                notices.get(query.get("notice").orElse(null)),
                csrf,
                readOnly));
      }
      case "/console/deadletters/message" -> {
        String topic = query.require("topic");
        String id = query.require("id");
        Optional<MessageView> message =
            queue
                .deadLetters()
                .browse(topic, DeadLetterFilter.ALL.withIds(Set.of(id)).withLimit(1))
                .stream()
                .findFirst()
                .map(d -> MessageView.of(d, decoder));
        if (message.isEmpty()) {
          send(
              exchange,
              404,
              "Not found",
              "<p>No dead letter "
                  + escape(id)
                  + " in "
                  + escape(topic)
                  + " (replayed or purged already?).</p>");
        } else {
          sendPage(
              exchange, 200, MessagePage.render(queue.backend(), message.get(), csrf, readOnly));
        }
      }
      default ->
          send(
              exchange, 404, "Not found", "<p>No such page. <a href=\"/console\">Overview</a></p>");
    }
  }

  private void post(HttpExchange exchange, Operation operation) throws IOException {
    FormData form = FormData.read(exchange.getRequestBody());
    if (!tokenMatches(form.get("csrf").orElse(""))) {
      send(
          exchange,
          403,
          "Forbidden",
          "<p>The form is stale or came from another page: reload the console and try again.</p>");
      return;
    }
    if (readOnly) {
      send(
          exchange,
          403,
          "Read-only",
          "<p>This console is read-only: replay and purge are off.</p>");
      return;
    }
    Forms.Target target =
        new Forms.Target(form.require("topic"), form.get("reason"), form.get("id"));
    if (form.get("confirm").filter("yes"::equals).isEmpty()) {
      DeadLetterSummary dry = actions.dryRun(operation, target);
      sendPage(
          exchange,
          200,
          ConfirmPage.render(queue.backend(), operation.pathName(), target, dry, csrf));
      return;
    }
    DeadLetterSummary done = actions.run(operation, target);
    reader.invalidate();
    LOG.info("console {}: {}: {}", operation.pathName(), target.describe(), done);
    String key = notices.add(capitalized(done.toString()) + " (" + target.describe() + ").");
    exchange
        .getResponseHeaders()
        .set(
            "Location",
            "/console/deadletters?topic=" + Html.query(target.topic()) + "&notice=" + key);
    send(
        exchange,
        303,
        "Done",
        "<p><a href=\"/console/deadletters?topic="
            + escape(Html.query(target.topic()))
            + "\">Continue</a></p>");
  }

  private boolean tokenMatches(String presented) {
    return MessageDigest.isEqual(
        csrf.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }

  private static boolean hostAllowed(HttpExchange exchange) {
    if (!exchange.getLocalAddress().getAddress().isLoopbackAddress()) {
      return true;
    }
    String host = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Host")).orElse("");
    int colon = host.lastIndexOf(':');
    if (colon > host.lastIndexOf(']')) {
      host = host.substring(0, colon);
    }
    return LOOPBACK_HOSTS.contains(host.toLowerCase(Locale.ROOT));
  }

  private static String capitalized(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private void send(HttpExchange exchange, int status, String title, String body)
      throws IOException {
    sendPage(
        exchange,
        status,
        Html.page(
            title,
            queue.backend(),
            "<section><h2>" + escape(title) + "</h2>" + body + "</section>",
            0));
  }

  private static void sendPage(HttpExchange exchange, int status, String html) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
    exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
    exchange.getResponseHeaders().set("Content-Security-Policy", SECURITY_POLICY);
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
