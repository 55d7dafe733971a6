package io.agentmq.agents.cli.console;

import static io.agentmq.agents.cli.console.Html.escape;

import io.agentmq.api.deadletter.DeadLetterSummary;

/** Renders the question before a replay or purge, with what a dry run of it found. */
final class ConfirmPage {
  private ConfirmPage() {}

  static String render(
      String backend,
      String operation,
      Forms.Target target,
      DeadLetterSummary dryRun,
      String csrf) {
    boolean purge = operation.equals("purge");
    long affected = purge ? dryRun.purged() : dryRun.replayed() + dryRun.parked();
    StringBuilder b = new StringBuilder();
    b.append("<section id=\"confirm\"><h2>")
        .append(purge ? "Purge" : "Replay")
        .append(" ")
        .append(escape(target.describe()))
        .append("?</h2><p id=\"dry-run\">A dry run ")
        .append(escape(dryRun.toString().replaceFirst("^dry run: ", "")))
        .append(".</p><p>")
        .append(
            purge
                ? "Purged dead letters are gone for good."
                : "Replayed dead letters go back to their original topic, one replay count higher;"
                    + " those replayed too often already are parked (left here).")
        .append("</p>");
    if (affected == 0) {
      b.append("<p><b>Nothing to do.</b></p>");
    } else {
      b.append("<p>")
          .append(
              Forms.form(
                  operation,
                  target,
                  csrf,
                  true,
                  (purge ? "Purge " : "Replay ") + affected + " dead letter(s)",
                  purge ? "primary danger confirm" : "primary confirm"))
          .append("</p>");
    }
    b.append("<p><a href=\"/console/deadletters?topic=")
        .append(escape(Html.query(target.topic())))
        .append("\">Cancel</a></p></section>");
    return Html.page(purge ? "Purge" : "Replay", backend, b.toString(), 0);
  }
}
