package io.agentmq.agents.cli.console;

import com.google.common.html.HtmlEscapers;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * The pieces every console page shares: escaping of user data (topic names, reasons, payloads,
 * headers), number formats, and the page frame with its style sheet.
 */
final class Html {
  private static final String STYLE =
      """
      :root{--fg:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f5f7fa;--up:#1e7b34;--down:#b42318;\
      --accent:#2456a6;--warn:#b54708}
      *{box-sizing:border-box}
      body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;\
      color:var(--fg);background:var(--bg)}
      header{background:#102a43;color:#fff;padding:10px 24px;display:flex;gap:24px;\
      align-items:baseline}
      header h1{font-size:18px;margin:0}
      header a{color:#bcccdc;text-decoration:none}
      header .meta{margin-left:auto;color:#bcccdc;font-size:12px}
      main{padding:16px 24px;max-width:1200px}
      section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 16px;\
      margin-bottom:16px}
      h2{font-size:15px;margin:0 0 8px}
      table{border-collapse:collapse;width:100%}
      th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);\
      vertical-align:middle}
      th{font-size:12px;color:var(--muted);font-weight:600}
      td code,td.time{white-space:nowrap}
      td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
      code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
      pre{background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:8px;\
      overflow:auto;max-height:420px;white-space:pre-wrap;word-break:break-word}
      .up{color:var(--up);font-weight:600}.down{color:var(--down);font-weight:600}
      .muted{color:var(--muted)}.warn{color:var(--warn)}
      .notice{background:#e3f8e8;border:1px solid #a6dcb3;border-radius:6px;padding:8px 12px;\
      margin-bottom:16px}
      .error{background:#fdecea;border-color:#f4b4ae}
      form{display:inline;margin:0}
      button{font:inherit;font-size:12px;padding:3px 10px;border-radius:4px;\
      border:1px solid var(--accent);background:#fff;color:var(--accent);cursor:pointer}
      button.danger{border-color:var(--down);color:var(--down)}
      button.primary{background:var(--accent);color:#fff}
      button.primary.danger{background:var(--down);color:#fff}
      .legend span{margin-right:16px;font-size:12px}
      .swatch{display:inline-block;width:10px;height:3px;vertical-align:middle;margin-right:4px}
      a{color:var(--accent)}
      """;

  private Html() {}

  /** {@code text} safe inside an element or a double-quoted attribute. */
  static String escape(String text) {
    return text == null ? "" : HtmlEscapers.htmlEscaper().escape(text);
  }

  /** {@code text} as a URL query value. */
  static String query(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  /** A rate per second with as many decimals as it is worth. */
  static String rate(double perSecond) {
    if (perSecond == 0) {
      return "0";
    }
    return String.format(Locale.ROOT, perSecond >= 10 ? "%.0f" : "%.1f", perSecond);
  }

  /** A duration the way a person reads it: 850 ms, 4.2 s, 3 min 5 s, 2 h 10 min. */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    long s = d.toSeconds();
    if (s < 3600) {
      return (s / 60) + " min " + (s % 60) + " s";
    }
    return (s / 3600) + " h " + (s % 3600 / 60) + " min";
  }

  /** UP or DOWN, coloured. */
  static String health(boolean up) {
    return up ? "<span class=\"up\">UP</span>" : "<span class=\"down\">DOWN</span>";
  }

  /**
   * A whole page: {@code title} (escaped here) over {@code body} (HTML already escaped), reloading
   * itself every {@code refreshSeconds} when positive.
   */
  static String page(String title, String backend, String body, int refreshSeconds) {
    StringBuilder html = new StringBuilder(4096 + body.length());
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    if (refreshSeconds > 0) {
      html.append("<meta http-equiv=\"refresh\" content=\"").append(refreshSeconds).append("\">");
    }
    html.append("<title>")
        .append(escape(title))
        .append(" - AgentMQ console</title><style>")
        .append(STYLE)
        .append("</style></head><body><header><h1>AgentMQ console</h1>")
        .append("<a href=\"/console\">Overview</a>")
        .append("<span class=\"meta\">backend <b>")
        .append(escape(backend))
        .append("</b></span></header><main>")
        .append(body)
        .append("</main></body></html>\n");
    return html.toString();
  }
}
