package io.agentmq.agents.cli.console;

import static io.agentmq.agents.cli.console.Html.escape;

import io.agentmq.api.deadletter.DeadLetterStats;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Renders one dead-letter topic: its counts by reason with replay and purge, and its messages. */
final class DeadLetterPage {
  static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private DeadLetterPage() {}

  /**
   * The page of {@code stats}, listing {@code shown} (the first dead letters, oldest first), with
   * {@code notice} (the result of an operation just run) on top.
   */
  static String render(
      String backend,
      DeadLetterStats stats,
      List<MessageView> shown,
      Optional<String> notice,
      String csrf,
      boolean readOnly) {
    String topic = stats.deadLetterTopic();
    StringBuilder b = new StringBuilder();
    notice.ifPresent(
        n -> b.append("<div class=\"notice\" id=\"notice\">").append(escape(n)).append("</div>"));
    b.append("<section id=\"summary\"><h2>Dead-letter topic <code>")
        .append(escape(topic))
        .append("</code></h2><p><b id=\"total\">")
        .append(stats.total())
        .append("</b> dead letter(s)");
    stats.oldest().ifPresent(o -> b.append(", oldest failed at ").append(TIME.format(o)));
    stats.newest().ifPresent(n -> b.append(", newest at ").append(TIME.format(n)));
    b.append(".</p>");
    if (stats.total() > 0) {
      b.append("<p>").append(Forms.buttons(Forms.Target.all(topic), csrf, readOnly)).append("</p>");
    }
    b.append("</section><section id=\"reasons\"><h2>By reason</h2>");
    if (stats.byReason().isEmpty()) {
      b.append("<p class=\"muted\">Nothing here.</p>");
    } else {
      b.append("<table><thead><tr><th>Reason</th><th class=\"num\">Dead letters</th><th></th>")
          .append("</tr></thead><tbody>");
      for (Map.Entry<String, Long> r : stats.byReason().entrySet()) {
        Forms.Target target = new Forms.Target(topic, Optional.of(r.getKey()), Optional.empty());
        b.append("<tr data-reason=\"")
            .append(escape(r.getKey()))
            .append("\"><td>")
            .append(escape(r.getKey()))
            .append("</td><td class=\"num count\">")
            .append(r.getValue())
            .append("</td><td>")
            .append(Forms.buttons(target, csrf, readOnly))
            .append("</td></tr>");
      }
      b.append("</tbody></table>");
    }
    b.append("</section>");
    messages(b, topic, stats.total(), shown);
    return Html.page(topic, backend, b.toString(), 0);
  }

  private static void messages(StringBuilder b, String topic, long total, List<MessageView> shown) {
    b.append("<section id=\"messages\"><h2>Messages</h2>");
    if (shown.isEmpty()) {
      b.append("<p class=\"muted\">None.</p></section>");
      return;
    }
    if (shown.size() < total) {
      b.append("<p class=\"muted\">The oldest ")
          .append(shown.size())
          .append(" of ")
          .append(total)
          .append(".</p>");
    }
    b.append("<table><thead><tr><th>Id</th><th>From topic</th><th>Reason</th><th>Failed at</th>")
        .append("<th class=\"num\">Replays</th></tr></thead><tbody>");
    for (MessageView m : shown) {
      b.append("<tr data-id=\"")
          .append(escape(m.id()))
          .append("\"><td><a class=\"view\" href=\"/console/deadletters/message?topic=")
          .append(escape(Html.query(topic)))
          .append("&amp;id=")
          .append(escape(Html.query(m.id())))
          .append("\"><code>")
          .append(escape(m.id()))
          .append("</code></a></td><td><code>")
          .append(escape(m.originalTopic().orElse("")))
          .append("</code></td><td>")
          .append(escape(m.reason().orElse("")))
          .append("</td><td class=\"time\">")
          .append(m.failedAt().map(TIME::format).orElse(""))
          .append("</td><td class=\"num\">")
          .append(m.replayCount())
          .append("</td></tr>");
    }
    b.append("</tbody></table></section>");
  }
}
