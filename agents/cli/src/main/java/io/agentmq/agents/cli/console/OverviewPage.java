package io.agentmq.agents.cli.console;

import static io.agentmq.agents.cli.console.Html.escape;

import io.agentmq.agents.cli.console.ConsoleSnapshot.ConsumerRow;
import io.agentmq.agents.cli.console.ConsoleSnapshot.DeadLetterRow;
import io.agentmq.agents.cli.console.ConsoleSnapshot.GroupRow;
import io.agentmq.agents.cli.console.ConsoleSnapshot.TopicRow;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** Renders the console's overview: broker, rate chart, topics, groups, consumers, dead letters. */
final class OverviewPage {
  /** Seconds between the page's own reloads. */
  static final int REFRESH_SECONDS = 10;

  /** The fewest samples a chart spans, so that the first minutes do not fill it edge to edge. */
  static final int MIN_SLOTS = 12;

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private OverviewPage() {}

  /**
   * The page of {@code s}; it reloads itself unless {@code refresh} is false. The charts span the
   * samples taken so far (at least {@link #MIN_SLOTS}), up to the {@code capacity} kept.
   */
  static String render(ConsoleSnapshot s, int capacity, boolean refresh) {
    int slots = Math.min(capacity, Math.max(MIN_SLOTS, s.handledTotal().length));
    StringBuilder b = new StringBuilder();
    b.append("<section id=\"broker\"><h2>Broker</h2><p>Backend <b>")
        .append(escape(s.backend()))
        .append("</b>, health ")
        .append(Html.health(s.brokerUp()))
        .append(". Read at ")
        .append(TIME.format(s.takenAt().truncatedTo(ChronoUnit.SECONDS)))
        .append(
            refresh
                ? "; reloads every "
                    + REFRESH_SECONDS
                    + " s (<a href=\"/console?refresh=off\">stop</a>)."
                : " (<a href=\"/console\">reload every " + REFRESH_SECONDS + " s</a>).")
        .append(
            s.readOnly() ? " <span class=\"warn\">Read-only: replay and purge are off.</span>" : "")
        .append("</p></section>");
    chart(b, s, slots);
    topics(b, s.topics(), slots);
    groups(b, s.groups());
    consumers(b, s.consumers());
    deadLetters(b, s.deadLetters());
    return Html.page("Overview", s.backend(), b.toString(), refresh ? REFRESH_SECONDS : 0);
  }

  private static void chart(StringBuilder b, ConsoleSnapshot s, int slots) {
    Duration span = s.sampleInterval().multipliedBy(slots - 1L);
    b.append("<section id=\"rates\"><h2>Messages per second, last ")
        .append(span.toSeconds() < 120 ? span.toSeconds() + " s" : span.toMinutes() + " min")
        .append("</h2>")
        .append(
            SvgChart.chart(
                List.of(
                    new SvgChart.Series(
                        "handled (every topic)", "#2456a6", false, s.handledTotal()),
                    new SvgChart.Series("sent (every topic)", "#d97706", true, s.sentTotal())),
                slots,
                s.sampleInterval()))
        .append("<p class=\"muted\">Counted in this process, sampled every ")
        .append(Html.duration(s.sampleInterval()))
        .append(".</p></section>");
  }

  private static void topics(StringBuilder b, List<TopicRow> rows, int slots) {
    b.append("<section id=\"topics\"><h2>Topics</h2>");
    if (rows.isEmpty()) {
      b.append("<p class=\"muted\">No topics yet.</p></section>");
      return;
    }
    b.append(
            "<table><thead><tr><th>Topic</th><th>Groups here</th><th class=\"num\">Sent/s (1 min)</th>")
        .append("<th class=\"num\">Handled/s (1 min)</th><th class=\"num\">Lag (time)</th>")
        .append(
            "<th class=\"num\">Dead letters</th><th>Handled, last minutes</th></tr></thead><tbody>");
    for (TopicRow t : rows) {
      b.append("<tr data-topic=\"")
          .append(escape(t.topic()))
          .append("\"><td><code>")
          .append(escape(t.topic()))
          .append("</code></td><td>")
          .append(escape(String.join(", ", t.groups())))
          .append("</td><td class=\"num sent-rate\">")
          .append(Html.rate(t.sentPerSecond()))
          .append("</td><td class=\"num handled-rate\">")
          .append(Html.rate(t.handledPerSecond()))
          .append("</td><td class=\"num lag-seconds\">")
          .append(
              t.groups().isEmpty() ? "<span class=\"muted\">-</span>" : Html.duration(t.timeLag()))
          .append("</td><td class=\"num dead-letters\">")
          .append(count(t.deadLetters()))
          .append("</td><td>")
          .append(SvgChart.sparkline(t.handledHistory(), slots))
          .append("</td></tr>");
    }
    b.append("</tbody></table></section>");
  }

  private static void groups(StringBuilder b, List<GroupRow> rows) {
    b.append("<section id=\"groups\"><h2>Consumer groups</h2>");
    if (rows.isEmpty()) {
      b.append("<p class=\"muted\">No consumer runs in this process. The console of")
          .append(" <code>agentmq run … --http-port</code> shows the groups of its agents.</p>")
          .append("</section>");
      return;
    }
    b.append("<table><thead><tr><th>Group</th><th>Topics</th><th class=\"num\">Consumers</th>")
        .append("<th class=\"num\">Handled/s (1 min)</th><th class=\"num\">Lag (messages)</th>")
        .append("<th class=\"num\">Lag (time)</th><th>Health</th></tr></thead><tbody>");
    for (GroupRow g : rows) {
      b.append("<tr data-group=\"")
          .append(escape(g.group()))
          .append("\"><td><code>")
          .append(escape(g.group()))
          .append("</code></td><td>")
          .append(escape(String.join(", ", g.topics())))
          .append("</td><td class=\"num\">")
          .append(g.consumers())
          .append("</td><td class=\"num handled-rate\">")
          .append(Html.rate(g.handledPerSecond()))
          .append("</td><td class=\"num lag-messages\">")
          .append(count(g.lag()))
          .append("</td><td class=\"num lag-seconds\">")
          .append(Html.duration(g.timeLag()))
          .append("</td><td class=\"health\">")
          .append(Html.health(g.up()))
          .append("</td></tr>");
    }
    b.append("</tbody></table></section>");
  }

  private static void consumers(StringBuilder b, List<ConsumerRow> rows) {
    if (rows.isEmpty()) {
      return;
    }
    b.append("<section id=\"consumers\"><h2>Consumers</h2><table><thead><tr><th>Group</th>")
        .append("<th>Topics</th><th>State</th><th class=\"num\">In flight</th>")
        .append("<th class=\"num\">Lag (messages)</th><th class=\"num\">Lag (time)</th>")
        .append("<th class=\"num\">Last activity</th><th>Health</th></tr></thead><tbody>");
    for (ConsumerRow c : rows) {
      b.append("<tr data-consumer=\"")
          .append(escape(c.group()))
          .append("\"><td><code>")
          .append(escape(c.group()))
          .append("</code></td><td>")
          .append(escape(String.join(", ", c.topics())))
          .append("</td><td>")
          .append(c.paused() ? "paused" : "running")
          .append("</td><td class=\"num\">")
          .append(c.inFlight())
          .append("</td><td class=\"num lag-messages\">")
          .append(count(c.lag()))
          .append("</td><td class=\"num lag-seconds\">")
          .append(Html.duration(c.timeLag()))
          .append("</td><td class=\"num\">")
          .append(Html.duration(c.sinceLastActivity()))
          .append(" ago</td><td class=\"health\">")
          .append(Html.health(c.problem().isEmpty()))
          .append(
              c.problem().map(p -> " <span class=\"muted\">" + escape(p) + "</span>").orElse(""))
          .append("</td></tr>");
    }
    b.append("</tbody></table></section>");
  }

  private static void deadLetters(StringBuilder b, List<DeadLetterRow> rows) {
    b.append("<section id=\"dead-letters\"><h2>Dead-letter topics</h2>");
    if (rows.isEmpty()) {
      b.append("<p class=\"muted\">No dead-letter topic.</p></section>");
      return;
    }
    b.append("<table><thead><tr><th>Dead-letter topic</th><th class=\"num\">Dead letters</th>")
        .append("<th>By reason</th><th>Oldest</th><th></th></tr></thead><tbody>");
    for (DeadLetterRow d : rows) {
      b.append("<tr data-dead-letter-topic=\"")
          .append(escape(d.topic()))
          .append("\"><td><code>")
          .append(escape(d.topic()))
          .append("</code></td><td class=\"num total\">")
          .append(count(d.total()))
          .append("</td><td>");
      if (d.error().isPresent()) {
        b.append("<span class=\"down\">not counted: ")
            .append(escape(d.error().get()))
            .append("</span>");
      }
      for (Map.Entry<String, Long> r : d.byReason().entrySet()) {
        b.append("<div>")
            .append(r.getValue())
            .append(" &times; ")
            .append(escape(r.getKey()))
            .append("</div>");
      }
      b.append("</td><td>")
          .append(d.oldest().map(o -> age(Duration.between(o, java.time.Instant.now()))).orElse(""))
          .append("</td><td><a class=\"open\" href=\"/console/deadletters?topic=")
          .append(escape(Html.query(d.topic())))
          .append("\">Open</a></td></tr>");
    }
    b.append("</tbody></table></section>");
  }

  private static String age(Duration d) {
    return Html.duration(d.isNegative() ? Duration.ZERO : d) + " ago";
  }

  private static String count(OptionalLong n) {
    return n.isPresent() ? Long.toString(n.getAsLong()) : "<span class=\"muted\">unknown</span>";
  }
}
