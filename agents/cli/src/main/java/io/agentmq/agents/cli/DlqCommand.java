package io.agentmq.agents.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmq.agents.PipelineSchemas;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.deadletter.DeadLetter;
import io.agentmq.api.deadletter.DeadLetterFilter;
import io.agentmq.api.deadletter.DeadLetterProgress;
import io.agentmq.api.deadletter.DeadLetterStats;
import io.agentmq.api.deadletter.DeadLetterSummary;
import io.agentmq.api.deadletter.DeadLetters;
import io.agentmq.api.deadletter.PurgeOptions;
import io.agentmq.api.deadletter.ReplayOptions;
import io.agentmq.serialization.MessageCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Counts, shows, replays and purges a topic's dead letters. */
@Command(
    name = "dlq",
    mixinStandardHelpOptions = true,
    description = {
      "Counts, shows, replays or purges the dead letters of a topic (TOPIC or TOPIC.deadletter).",
      "Kafka: dead letters after the position of the group agentmq-dlq; RabbitMQ: the queue"
          + " TOPIC.deadletter.kept."
    })
final class DlqCommand {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern AGO = Pattern.compile("(\\d+)\\s*([smhd])");

  @Spec CommandSpec spec;

  /** The filters every subcommand but stats takes. */
  static final class FilterOptions {
    @Option(
        names = "--reason",
        paramLabel = "TEXT",
        description = "only dead letters whose mq-dlq-reason contains TEXT (any case)")
    String reason;

    @Option(
        names = "--id",
        paramLabel = "ID",
        description = "only the dead letter with this message id (repeatable)")
    List<String> ids = new ArrayList<>();

    @Option(
        names = "--since",
        paramLabel = "TIME",
        description =
            "only those that failed at or after TIME: an instant (2026-12-01T10:00:00Z), a date"
                + " (2026-12-01, UTC) or an age (30m, 2h, 7d ago)")
    String since;

    @Option(
        names = "--until",
        paramLabel = "TIME",
        description = "only those that failed before TIME (same forms as --since)")
    String until;

    @Option(
        names = "--limit",
        paramLabel = "N",
        description = "at most N dead letters, oldest first")
    Long limit;

    DeadLetterFilter filter() {
      DeadLetterFilter f = DeadLetterFilter.ALL;
      if (reason != null) {
        f = f.withReasonContaining(reason);
      }
      if (!ids.isEmpty()) {
        f = f.withIds(Set.copyOf(ids));
      }
      Instant from = since == null ? null : time("--since", since);
      Instant before = until == null ? null : time("--until", until);
      if (from != null && before != null && !from.isBefore(before)) {
        throw new IllegalArgumentException(
            "--since "
                + since
                + " ("
                + from
                + ") is not before --until "
                + until
                + " ("
                + before
                + "): no dead letter could match");
      }
      if (from != null) {
        f = f.withFailedFrom(from);
      }
      if (before != null) {
        f = f.withFailedBefore(before);
      }
      if (limit != null) {
        if (limit < 1) {
          throw new IllegalArgumentException("--limit must be 1 or more, was " + limit);
        }
        f = f.withLimit(limit);
      }
      return f;
    }
  }

  /** How progress is shown on standard error. */
  enum ProgressMode {
    auto,
    always,
    never
  }

  static final class RunOptions {
    @Option(names = "--dry-run", description = "count what would be done, change nothing")
    boolean dryRun;

    @Option(
        names = "--progress",
        paramLabel = "WHEN",
        description =
            "progress on standard error: auto (when it is a terminal, default), always, never")
    ProgressMode progress = ProgressMode.auto;

    @Option(
        names = "--commit-every",
        paramLabel = "N",
        description = "dead letters per commit (Kafka: per transaction), default 100")
    int commitEvery = ReplayOptions.DEFAULT_COMMIT_EVERY;

    void check() {
      if (commitEvery < 1) {
        throw new IllegalArgumentException("--commit-every must be 1 or more, was " + commitEvery);
      }
    }
  }

  /** An instant, a UTC date, or an age before now. */
  static Instant time(String option, String value) {
    String v = value.trim();
    Matcher ago = AGO.matcher(v.toLowerCase(Locale.ROOT));
    if (ago.matches()) {
      long n = Long.parseLong(ago.group(1));
      Duration d =
          switch (ago.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
          };
      return Instant.now().minus(d);
    }
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      try {
        return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException(
            option
                + " '"
                + value
                + "' is not a time: use an instant (2026-12-01T10:00:00Z), a date (2026-12-01,"
                + " UTC) or an age (30s, 30m, 2h, 7d)");
      }
    }
  }

  private PrintWriter out() {
    return spec.commandLine().getOut();
  }

  private PrintWriter err() {
    return spec.commandLine().getErr();
  }

  @Command(
      name = "stats",
      mixinStandardHelpOptions = true,
      description =
          "Counts the dead letters by original topic, reason, exception, age and replay count.")
  int stats(
      @Mixin BrokerOptions broker,
      @Parameters(index = "0", paramLabel = "TOPIC") String topic,
      @Option(names = "--json", description = "one JSON object instead of text") boolean json)
      throws IOException {
    DeadLetterStats stats;
    try (MessageQueue queue = MessageQueue.create(broker.config())) {
      stats = queue.deadLetters().stats(topic);
    }
    PrintWriter out = out();
    if (json) {
      out.println(JSON.writeValueAsString(statsJson(stats)));
    } else {
      out.printf("%s: %d dead letter(s)%n", stats.deadLetterTopic(), stats.total());
      stats.oldest().ifPresent(o -> out.printf("  oldest failed at %s%n", o));
      stats.newest().ifPresent(n -> out.printf("  newest failed at %s%n", n));
      table(out, "by original topic", stats.byOriginalTopic());
      table(out, "by reason", stats.byReason());
      table(out, "by exception", stats.byException());
      table(out, "by age", stats.byAge());
      table(out, "by replay count", stats.byReplayCount());
    }
    out.flush();
    return 0;
  }

  private static ObjectNode statsJson(DeadLetterStats stats) {
    ObjectNode node = JSON.createObjectNode();
    node.put("topic", stats.deadLetterTopic());
    node.put("total", stats.total());
    stats.oldest().ifPresent(o -> node.put("oldest", o.toString()));
    stats.newest().ifPresent(n -> node.put("newest", n.toString()));
    node.set("byOriginalTopic", JSON.valueToTree(stats.byOriginalTopic()));
    node.set("byReason", JSON.valueToTree(stats.byReason()));
    node.set("byException", JSON.valueToTree(stats.byException()));
    node.set("byAge", JSON.valueToTree(stats.byAge()));
    node.set("byReplayCount", JSON.valueToTree(stats.byReplayCount()));
    return node;
  }

  private static void table(PrintWriter out, String title, Map<?, Long> counts) {
    if (counts.values().stream().allMatch(c -> c == 0)) {
      return;
    }
    out.println(title + ":");
    counts.forEach(
        (k, v) -> {
          if (v > 0) {
            out.printf("  %8d  %s%n", v, k);
          }
        });
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description =
          "Prints the dead letters as JSON lines, like tail: id, key, every header (mq-dlq-*"
              + " included) and the payload decoded by its mq-type. Changes nothing.")
  int show(
      @Mixin BrokerOptions broker,
      @Mixin FilterOptions filter,
      @Parameters(index = "0", paramLabel = "TOPIC") String topic) {
    MessageCodec codec = PipelineSchemas.codec();
    PrintWriter out = out();
    DeadLetterFilter f = filter.filter();
    try (MessageQueue queue = MessageQueue.create(broker.config())) {
      queue.deadLetters().browse(topic, f, d -> print(out, codec, d));
    }
    out.flush();
    return 0;
  }

  private static void print(PrintWriter out, MessageCodec codec, DeadLetter d) {
    ObjectNode line = JSON.createObjectNode();
    line.put("topic", d.deadLetterTopic());
    line.put("partition", d.partition());
    line.put("offset", d.offset());
    line.put("id", d.id());
    d.message().key().ifPresent(k -> line.put("key", k));
    ObjectNode headers = line.putObject("headers");
    d.message().headers().forEach(headers::put);
    d.failedAt().ifPresent(t -> line.put("failed_at", t.toString()));
    try {
      line.set("payload", JSON.readTree(ProtoJson.print(codec.decode(d.message()))));
    } catch (Exception e) {
      line.put("payload_base64", Base64.getEncoder().encodeToString(d.message().payload()));
      line.put("undecodable", String.valueOf(e.getMessage()));
    }
    try {
      out.println(JSON.writeValueAsString(line));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description = {
        "Sends dead letters back to their mq-dlq-original-topic with the original id, key, headers"
            + " and bytes, and mq-replay-count one higher; one already replayed --max-replays"
            + " times is parked (left in the dead-letter topic).",
        "Resumable: run it again after an interruption to continue."
      })
  int replay(
      @Mixin BrokerOptions broker,
      @Mixin FilterOptions filter,
      @Mixin RunOptions run,
      @Parameters(index = "0", paramLabel = "TOPIC") String topic,
      @Option(
              names = "--max-replays",
              paramLabel = "N",
              defaultValue = "3",
              description = "park a dead letter replayed N times already (default 3)")
          int maxReplays) {
    DeadLetterFilter f = filter.filter();
    run.check();
    int max = maxReplays;
    if (max < 1) {
      throw new IllegalArgumentException("--max-replays must be 1 or more, was " + maxReplays);
    }
    DeadLetterSummary summary;
    try (MessageQueue queue = MessageQueue.create(broker.config());
        ProgressLine progress = progress(run, "replay")) {
      summary =
          queue
              .deadLetters()
              .replay(
                  topic,
                  f,
                  ReplayOptions.defaults()
                      .withMaxReplays(max)
                      .withDryRun(run.dryRun)
                      .withCommitEvery(run.commitEvery)
                      .withProgress(progress));
    }
    out().println(summary);
    out().flush();
    return 0;
  }

  @Command(
      name = "purge",
      mixinStandardHelpOptions = true,
      description = {
        "Removes dead letters; asks for confirmation on standard input unless --yes.",
        "Kafka: moves the agentmq-dlq group's position past them (retention deletes them later);"
            + " RabbitMQ: acknowledges them in TOPIC.deadletter.kept."
      })
  int purge(
      @Mixin BrokerOptions broker,
      @Mixin FilterOptions filter,
      @Mixin RunOptions run,
      @Parameters(index = "0", paramLabel = "TOPIC") String topic,
      @Option(names = "--yes", description = "do not ask for confirmation") boolean yes)
      throws IOException {
    DeadLetterFilter f = filter.filter();
    run.check();
    try (MessageQueue queue = MessageQueue.create(broker.config())) {
      DeadLetters dl = queue.deadLetters();
      if (!run.dryRun && !yes) {
        DeadLetterSummary would = dl.purge(topic, f, PurgeOptions.defaults().withDryRun(true));
        if (would.purged() == 0) {
          out().println("nothing to purge: " + would);
          out().flush();
          return 0;
        }
        err()
            .printf(
                "Purge %d of %d dead letter(s) of %s? This cannot be undone. [y/N] ",
                would.purged(), would.examined(), topic);
        err().flush();
        String answer =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (answer == null || !answer.trim().toLowerCase(Locale.ROOT).matches("y|yes")) {
          err().println("not confirmed: nothing purged (--yes skips the question)");
          err().flush();
          return 1;
        }
      }
      DeadLetterSummary summary;
      try (ProgressLine progress = progress(run, "purge")) {
        summary =
            dl.purge(
                topic,
                f,
                PurgeOptions.defaults()
                    .withDryRun(run.dryRun)
                    .withCommitEvery(run.commitEvery)
                    .withProgress(progress));
      }
      out().println(summary);
    }
    out().flush();
    return 0;
  }

  private ProgressLine progress(RunOptions run, String what) {
    boolean show =
        run.progress == ProgressMode.always
            || (run.progress == ProgressMode.auto && System.console() != null);
    return new ProgressLine(show ? err() : null, what);
  }

  /** A progress bar on one line of standard error, redrawn at most ten times a second. */
  static final class ProgressLine implements DeadLetterProgress, AutoCloseable {
    private static final int WIDTH = 30;
    private final PrintWriter err; // null: silent
    private final String what;
    private long lastDrawn;
    private boolean drawn;

    ProgressLine(PrintWriter err, String what) {
      this.err = err;
      this.what = what;
    }

    @Override
    public void update(long examined, long total) {
      if (err == null) {
        return;
      }
      long now = System.nanoTime();
      if (drawn && now - lastDrawn < 100_000_000L && examined != total) {
        return;
      }
      lastDrawn = now;
      drawn = true;
      if (total > 0) {
        int filled = (int) Math.min(WIDTH, examined * WIDTH / total);
        err.printf(
            "\r%s [%s%s] %d/%d (%d%%)",
            what,
            "#".repeat(filled),
            ".".repeat(WIDTH - filled),
            examined,
            total,
            examined * 100 / total);
      } else {
        err.printf("\r%s %d examined", what, examined);
      }
      err.flush();
    }

    @Override
    public void close() {
      if (err != null && drawn) {
        err.println();
        err.flush();
      }
    }
  }
}
