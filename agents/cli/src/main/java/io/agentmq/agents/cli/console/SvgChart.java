package io.agentmq.agents.cli.console;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Draws rate series as inline SVG: a chart with axes for the overview, sparklines for tables. */
final class SvgChart {
  /** One line of a chart: its name for the legend, its colour and its values, oldest first. */
  record Series(String name, String colour, boolean dashed, double[] values) {}

  private static final int WIDTH = 720;
  private static final int HEIGHT = 150;
  private static final int LEFT = 44;
  private static final int RIGHT = 8;
  private static final int TOP = 8;
  private static final int BOTTOM = 22;

  private SvgChart() {}

  /**
   * A chart of {@code series} over the last {@code slots} samples taken {@code interval} apart, the
   * newest at the right edge, with a legend under it.
   */
  static String chart(List<Series> series, int slots, Duration interval) {
    double max = niceCeiling(series.stream().mapToDouble(s -> max(s.values())).max().orElse(0));
    int plotW = WIDTH - LEFT - RIGHT;
    int plotH = HEIGHT - TOP - BOTTOM;
    StringBuilder svg = new StringBuilder();
    svg.append("<svg class=\"chart\" role=\"img\" aria-label=\"rates per second\" viewBox=\"0 0 ")
        .append(WIDTH)
        .append(' ')
        .append(HEIGHT)
        .append("\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(HEIGHT)
        .append("\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\" fill=\"#616e7c\">");
    for (int i = 0; i <= 2; i++) {
      double y = TOP + plotH - plotH * i / 2.0;
      svg.append(line(LEFT, y, LEFT + plotW, y, i == 0 ? "#9aa5b1" : "#e4e7eb"));
      svg.append(text(LEFT - 6, y + 4, "end", Html.rate(max * i / 2) + "/s"));
    }
    long spanSeconds = Math.max(1, interval.multipliedBy(Math.max(1, slots - 1)).toSeconds());
    long step = tickStep(spanSeconds);
    for (long t = 0; t <= spanSeconds; t += step) {
      double x = LEFT + plotW - plotW * (double) t / spanSeconds;
      svg.append(text(x, HEIGHT - 6, t == 0 ? "end" : "middle", t == 0 ? "now" : "-" + ago(t)));
    }
    for (Series s : series) {
      svg.append(
          polyline(s.values(), slots, max, LEFT, TOP, plotW, plotH, s.colour(), 1.8, s.dashed()));
    }
    svg.append("</svg><div class=\"legend\">");
    for (Series s : series) {
      svg.append("<span><i class=\"swatch\" style=\"background:")
          .append(Html.escape(s.colour()))
          .append("\"></i>")
          .append(Html.escape(s.name()))
          .append("</span>");
    }
    return svg.append("</div>").toString();
  }

  /** A small line of {@code values} over {@code slots} samples, no axes. */
  static String sparkline(double[] values, int slots) {
    int w = 120;
    int h = 22;
    double max = Math.max(max(values), 1e-9);
    return "<svg class=\"spark\" width=\""
        + w
        + "\" height=\""
        + h
        + "\" viewBox=\"0 0 "
        + w
        + ' '
        + h
        + "\" xmlns=\"http://www.w3.org/2000/svg\">"
        + line(0, h - 1, w, h - 1, "#e4e7eb")
        + polyline(values, slots, max, 0, 1, w, h - 2, "#2456a6", 1.2, false)
        + "</svg>";
  }

  private static String polyline(
      double[] values,
      int slots,
      double max,
      double x0,
      double y0,
      double w,
      double h,
      String colour,
      double stroke,
      boolean dashed) {
    if (values.length == 0) {
      return "";
    }
    StringBuilder points = new StringBuilder();
    int offset = slots - values.length;
    for (int i = 0; i < values.length; i++) {
      double x = x0 + w * (offset + i) / Math.max(1, slots - 1);
      double y = y0 + h - (max <= 0 ? 0 : h * Math.min(values[i], max) / max);
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }
    return "<polyline fill=\"none\" stroke=\""
        + Html.escape(colour)
        + "\" stroke-width=\""
        + stroke
        + (dashed ? "\" stroke-dasharray=\"5 3" : "")
        + "\" stroke-linejoin=\"round\" points=\""
        + points.toString().trim()
        + "\"/>";
  }

  /** Seconds between two labels of the time axis: at most six labels. */
  private static long tickStep(long spanSeconds) {
    for (long step : new long[] {5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600}) {
      if (spanSeconds / step <= 5) {
        return step;
      }
    }
    return 7200;
  }

  /** {@code seconds} as an axis label: 45 s, 2 min. */
  private static String ago(long seconds) {
    return seconds < 120 || seconds % 60 != 0 ? seconds + " s" : seconds / 60 + " min";
  }

  private static String line(double x1, double y1, double x2, double y2, String colour) {
    return String.format(
        Locale.ROOT,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
        x1,
        y1,
        x2,
        y2,
        colour);
  }

  private static String text(double x, double y, String anchor, String label) {
    return String.format(
        Locale.ROOT,
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>",
        x,
        y,
        anchor,
        Html.escape(label));
  }

  private static double max(double[] values) {
    double max = 0;
    for (double v : values) {
      max = Math.max(max, v);
    }
    return max;
  }

  /** 1, 2 or 5 times a power of ten at or above {@code v}; 1 for nothing. */
  static double niceCeiling(double v) {
    if (v <= 0) {
      return 1;
    }
    double power = Math.pow(10, Math.floor(Math.log10(v)));
    for (double step : new double[] {1, 2, 5, 10}) {
      if (step * power >= v) {
        return step * power;
      }
    }
    return 10 * power;
  }
}
