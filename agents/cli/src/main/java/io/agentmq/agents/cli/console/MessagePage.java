package io.agentmq.agents.cli.console;

import static io.agentmq.agents.cli.console.Html.escape;

import java.util.Map;
import java.util.Optional;

/** Renders one dead letter: where it came from, why it failed, its payload and its headers. */
final class MessagePage {
  private MessagePage() {}

  static String render(String backend, MessageView m, String csrf, boolean readOnly) {
    StringBuilder b = new StringBuilder();
    b.append("<p><a href=\"/console/deadletters?topic=")
        .append(escape(Html.query(m.deadLetterTopic())))
        .append("\">&larr; ")
        .append(escape(m.deadLetterTopic()))
        .append("</a></p><section id=\"message\"><h2>Dead letter <code>")
        .append(escape(m.id()))
        .append("</code></h2><table>");
    row(b, "From topic", m.originalTopic().orElse("(unknown)"));
    row(b, "Key", m.key().orElse("(none)"));
    row(b, "Type", m.type().orElse("(none)"));
    row(b, "Reason", m.reason().orElse("(none)"));
    row(b, "Exception", m.exception().orElse("(none)"));
    row(b, "Failed at", m.failedAt().map(DeadLetterPage.TIME::format).orElse("(unknown)"));
    row(b, "Replayed", m.replayCount() + " time(s)" + (m.replayable() ? "" : "; not replayable"));
    b.append("</table><p>")
        .append(
            Forms.buttons(
                new Forms.Target(m.deadLetterTopic(), Optional.empty(), Optional.of(m.id())),
                csrf,
                readOnly))
        .append("</p></section><section id=\"payload\"><h2>Payload (")
        .append(
            switch (m.payloadForm()) {
              case "decoded" -> "decoded by its type";
              case "text" -> "UTF-8 text";
              default -> "base64: not text";
            })
        .append(")</h2>");
    m.undecodable()
        .filter(u -> !m.payloadForm().equals("decoded"))
        .ifPresent(
            u ->
                b.append("<p class=\"muted\">Not decoded by type: ")
                    .append(escape(u))
                    .append("</p>"));
    b.append("<pre id=\"payload-text\">")
        .append(escape(m.payload()))
        .append("</pre></section><section id=\"headers\"><h2>Headers</h2><table>");
    for (Map.Entry<String, String> h : m.headers().entrySet()) {
      row(b, h.getKey(), h.getValue());
    }
    b.append("</table></section>");
    return Html.page(m.id(), backend, b.toString(), 0);
  }

  private static void row(StringBuilder b, String name, String value) {
    b.append("<tr><th>")
        .append(escape(name))
        .append("</th><td><code>")
        .append(escape(value))
        .append("</code></td></tr>");
  }
}
