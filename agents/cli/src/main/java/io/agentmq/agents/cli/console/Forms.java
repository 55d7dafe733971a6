package io.agentmq.agents.cli.console;

import static io.agentmq.agents.cli.console.Html.escape;

import java.util.Optional;

/** The replay and purge buttons: POST forms that lead to a confirmation page. */
final class Forms {
  /** What a button acts on: a topic's dead letters, those of one reason, or one by id. */
  record Target(String topic, Optional<String> reason, Optional<String> id) {
    static Target all(String topic) {
      return new Target(topic, Optional.empty(), Optional.empty());
    }

    /** The target in words, e.g. "the dead letters of orders.deadletter with reason ..." */
    String describe() {
      if (id.isPresent()) {
        return "dead letter " + id.get() + " of " + topic;
      }
      return reason
          .map(r -> "the dead letters of " + topic + " whose reason contains '" + r + "'")
          .orElse("every dead letter of " + topic);
    }
  }

  private Forms() {}

  /** The replay and purge buttons for {@code target}; nothing when read-only. */
  static String buttons(Target target, String csrf, boolean readOnly) {
    if (readOnly) {
      return "";
    }
    return form("replay", target, csrf, false, "Replay…", "")
        + " "
        + form("purge", target, csrf, false, "Purge…", "danger");
  }

  /** One POST form; {@code confirmed} adds the field that makes the operation run. */
  static String form(
      String operation,
      Target target,
      String csrf,
      boolean confirmed,
      String label,
      String buttonClass) {
    StringBuilder f = new StringBuilder();
    f.append("<form method=\"post\" action=\"/console/deadletters/")
        .append(operation)
        .append("\">")
        .append(hidden("csrf", csrf))
        .append(hidden("topic", target.topic()));
    target.reason().ifPresent(r -> f.append(hidden("reason", r)));
    target.id().ifPresent(i -> f.append(hidden("id", i)));
    if (confirmed) {
      f.append(hidden("confirm", "yes"));
    }
    return f.append("<button type=\"submit\" class=\"")
        .append(operation)
        .append(' ')
        .append(buttonClass)
        .append("\">")
        .append(escape(label))
        .append("</button></form>")
        .toString();
  }

  private static String hidden(String name, String value) {
    return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + escape(value) + "\">";
  }
}
