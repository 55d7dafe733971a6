package io.agentmq.tck;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A service the tests need on this machine (a broker, a database): used when it listens, else
 * started from its local installation, else reported in one line that says how to get one — never a
 * wall of connection errors. Each service is looked at once per test JVM; every later test gets the
 * same answer.
 */
public final class LocalService {
  private static final Map<String, Optional<IllegalStateException>> CHECKED =
      new ConcurrentHashMap<>();

  /** Where Debian installs the service scripts that are not on a non-root PATH. */
  private static final List<String> EXTRA_PATH =
      List.of("/usr/sbin", "/sbin", "/usr/lib/rabbitmq/bin", "/usr/local/sbin");

  private final String name;
  private final String host;
  private final int port;
  private final List<List<String>> start = new ArrayList<>();
  private final List<Integer> alsoPorts = new ArrayList<>();
  private Duration startupWait = Duration.ofSeconds(90);
  private String howTo = "";

  private LocalService(String name, String host, int port) {
    this.name = name;
    this.host = host;
    this.port = port;
  }

  /** The service called {@code name}, expected to listen at {@code host:port}. */
  public static LocalService named(String name, String host, int port) {
    return new LocalService(name, host, port);
  }

  /**
   * A command that starts it (run in order with the others, each only if its program is installed);
   * {@code sh -c} for shell syntax.
   */
  public LocalService startWith(String... command) {
    start.add(List.of(command));
    return this;
  }

  /** Once started, wait for {@code port} too (e.g. a management interface that comes up later). */
  public LocalService alsoWaitFor(int port) {
    alsoPorts.add(port);
    return this;
  }

  /** How long a start may take before the service listens. */
  public LocalService startupWait(Duration wait) {
    this.startupWait = wait;
    return this;
  }

  /** What the one-line failure tells the user to do, e.g. install it or set a URL variable. */
  public LocalService howTo(String advice) {
    this.howTo = advice;
    return this;
  }

  /**
   * Returns once the service listens, starting it if it does not.
   *
   * @throws IllegalStateException in one line: not listening, what was tried, how to get one
   */
  public void ensure() {
    Optional<IllegalStateException> failure =
        CHECKED.computeIfAbsent(name + "@" + host + ":" + port, k -> Optional.ofNullable(check()));
    if (failure.isPresent()) {
      throw new IllegalStateException(failure.get().getMessage());
    }
  }

  /** Whether something accepts connections at {@code host:port} now. */
  public static boolean listening(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 1_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private IllegalStateException check() {
    if (listening(host, port)) {
      return null;
    }
    List<String> tried = new ArrayList<>();
    boolean ran = false;
    for (List<String> command : start) {
      Optional<String> program = resolve(command.get(0));
      if (program.isEmpty()) {
        tried.add(command.get(0) + " (not installed)");
        continue;
      }
      List<String> resolved = new ArrayList<>(command);
      resolved.set(0, program.get());
      tried.add(String.join(" ", command));
      ran = true;
      run(resolved);
    }
    if (ran) {
      long deadline = System.nanoTime() + startupWait.toNanos();
      while (System.nanoTime() < deadline) {
        if (listening(host, port) && alsoPorts.stream().allMatch(p -> listening(host, p))) {
          System.err.println(
              name + " was not running: started it (" + String.join("; ", tried) + ")");
          return null;
        }
        sleep(250);
      }
    }
    return new IllegalStateException(
        name
            + " is not running at "
            + host
            + ":"
            + port
            + (tried.isEmpty()
                ? ""
                : " and starting it did not help (tried: " + String.join("; ", tried) + ")")
            + (howTo.isEmpty() ? "" : ": " + howTo));
  }

  /** Runs a start command to its end (daemons detach), its output in a file under target/. */
  private void run(List<String> command) {
    try {
      Path log =
          Files.createTempFile("agentmq-start-" + name.toLowerCase().replace(' ', '-'), ".log");
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!process.waitFor(startupWait.toSeconds(), TimeUnit.SECONDS)) {
        process.destroy();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The program's path: as given when it has a slash, else found on PATH or the sbin folders. */
  static Optional<String> resolve(String program) {
    if (program.contains("/")) {
      return Files.isExecutable(Path.of(program)) ? Optional.of(program) : Optional.empty();
    }
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(File.pathSeparator)));
    }
    dirs.addAll(EXTRA_PATH);
    for (String dir : dirs) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate.toString());
      }
    }
    return Optional.empty();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
