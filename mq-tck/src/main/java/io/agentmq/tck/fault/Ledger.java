package io.agentmq.tck.fault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The account of a fault scenario, on disk so that it outlives the processes it watches: every send
 * the broker acknowledged ({@code sent.log}, written by the test), and every message a consumer
 * handled ({@code consumed-*.log}, appended by the consumer processes before they acknowledge).
 * {@link #report()} counts what was lost, duplicated and reordered. A line is {@code <id> <key>
 * <seq> [<micros>]}: {@code seq} orders the messages of one key as they were sent; a consumer adds
 * when it handled the message (microseconds since the epoch), so that the handling of processes
 * running side by side is counted in the order it happened.
 */
public final class Ledger {
  static final String SENT = "sent.log";
  private static final String CONSUMED_PREFIX = "consumed-";

  private final Path dir;

  public Ledger(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path dir() {
    return dir;
  }

  /** The file consumer process {@code n} appends to. */
  public Path consumedFile(int n) {
    return dir.resolve(CONSUMED_PREFIX + n + ".log");
  }

  /** Records an acknowledged send. Thread-safe. */
  public synchronized void sent(String id, String key, long seq) {
    append(dir.resolve(SENT), id + " " + key + " " + seq + "\n");
  }

  /** Appends one line to {@code file}; what a consumer process calls per handled message. */
  static void append(Path file, String line) {
    try {
      Files.writeString(
          file,
          line,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.WRITE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Ids of the sends acknowledged so far. */
  public Set<String> sentIds() {
    Set<String> ids = new HashSet<>();
    for (String[] line : lines(dir.resolve(SENT))) {
      ids.add(line[0]);
    }
    return ids;
  }

  /** Ids handled at least once so far. */
  public Set<String> consumedIds() {
    Set<String> ids = new HashSet<>();
    for (String[] line : consumed()) {
      ids.add(line[0]);
    }
    return ids;
  }

  /**
   * How many messages consumer process {@code n} handled after {@code sinceMicros} (epoch
   * microseconds) that had been handled before, by it or another process: the work of a zombie.
   */
  public long duplicatesBy(int n, long sinceMicros) {
    String file = consumedFile(n).getFileName().toString();
    Set<String> seen = new HashSet<>();
    long duplicates = 0;
    for (String[] line : consumed()) {
      boolean again = !seen.add(line[0]);
      if (again && line[4].equals(file) && handledAt(line) > sinceMicros) {
        duplicates++;
      }
    }
    return duplicates;
  }

  /** The current time as consumers write it: microseconds since the epoch. */
  public static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  /** Counts against the ledger: what was acknowledged to the sender and what consumers handled. */
  public Report report() {
    Map<String, String[]> sent = new LinkedHashMap<>();
    for (String[] line : lines(dir.resolve(SENT))) {
      sent.put(line[0], line);
    }
    List<String[]> consumed = consumed();
    Map<String, Integer> times = new HashMap<>();
    Map<String, Long> highestSeqPerKey = new HashMap<>();
    long reordered = 0;
    for (String[] line : consumed) {
      // Only a first delivery can be out of order: a redelivery after a crash goes back on purpose.
      if (times.merge(line[0], 1, Integer::sum) == 1) {
        long seq = Long.parseLong(line[2]);
        Long highest = highestSeqPerKey.get(line[1]);
        if (highest != null && seq < highest) {
          reordered++;
        } else {
          highestSeqPerKey.put(line[1], seq);
        }
      }
    }
    Set<String> lost = new HashSet<>(sent.keySet());
    lost.removeAll(times.keySet());
    long duplicates = times.values().stream().mapToLong(n -> n - 1).sum();
    return new Report(sent.size(), times.size(), consumed.size(), lost, duplicates, reordered);
  }

  /**
   * Every handled message, in the order it was handled (file order where lines carry no time): id,
   * key, seq, time or null, and the consumer file it came from.
   */
  private List<String[]> consumed() {
    List<String[]> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files
          .filter(f -> f.getFileName().toString().startsWith(CONSUMED_PREFIX))
          .sorted()
          .forEach(
              f -> {
                for (String[] line : lines(f)) {
                  String[] withSource = Arrays.copyOf(line, 5);
                  withSource[3] = line.length > 3 ? line[3] : null;
                  withSource[4] = f.getFileName().toString();
                  all.add(withSource);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    all.sort(Comparator.comparingLong(Ledger::handledAt)); // stable: equal times keep file order
    return all;
  }

  private static long handledAt(String[] line) {
    return line.length > 3 && line[3] != null ? Long.parseLong(line[3]) : 0;
  }

  /** A consumer's line for a handled message. */
  static String consumedLine(String id, String key, String seq) {
    return id + " " + key + " " + seq + " " + nowMicros() + "\n";
  }

  private static List<String[]> lines(Path file) {
    List<String[]> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] parts = line.split(" ");
        // A process killed mid-write may leave a partial last line; it was not acknowledged.
        if ((parts.length == 3 || (parts.length == 4 && parts[3].matches("\\d{16,}")))
            && !parts[2].isEmpty()) {
          out.add(parts);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /**
   * What a scenario ended with.
   *
   * @param acknowledged sends the broker acknowledged
   * @param consumed distinct messages handled
   * @param deliveries handler calls recorded, duplicates included
   * @param lost acknowledged sends never handled
   * @param duplicates handler calls beyond the first of a message
   * @param reordered first deliveries of a key that came after a later message of that key
   */
  public record Report(
      int acknowledged,
      int consumed,
      int deliveries,
      Set<String> lost,
      long duplicates,
      long reordered) {
    @Override
    public String toString() {
      return String.format(
          "%d acknowledged, %d consumed (%d deliveries), %d lost, %d duplicated, %d reordered",
          acknowledged, consumed, deliveries, lost.size(), duplicates, reordered);
    }
  }
}
