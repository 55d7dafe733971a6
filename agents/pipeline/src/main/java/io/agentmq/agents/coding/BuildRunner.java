package io.agentmq.agents.coding;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Runs the build command ({@code agents.coding.build_command}) with {@code sh -c} in a working
 * copy, and gives whether it succeeded and the tail of its output. The build gets a clean
 * environment ({@link BuildEnvironment}); its output is kept in a ring of {@value
 * #LOG_BUFFER_BYTES} bytes ({@link BuildLog}), and the tail a result carries has the agent's
 * secrets masked ({@link SecretValues}), since it is published. A build still running at the
 * timeout is killed with every process it started, so none is left working in a copy the next task
 * changes. Thread safe; {@link #run} blocks until the build ends.
 */
final class BuildRunner {
  /** How much of the end of the build's output a result keeps. */
  static final int LOG_EXCERPT_CHARS = 4_000;

  /**
   * How much of the end of the build's output is held while it runs: well over the excerpt, so that
   * a secret cut by the ring's start lies before the excerpt.
   */
  static final int LOG_BUFFER_BYTES = 64 * 1024;

  private final String command;
  private final Duration timeout;
  private final BuildEnvironment environment;
  private final SecretValues secrets;

  BuildRunner(
      String command, Duration timeout, BuildEnvironment environment, SecretValues secrets) {
    this.command = command;
    this.timeout = timeout;
    this.environment = environment;
    this.secrets = secrets;
  }

  /**
   * What a build did.
   *
   * @param succeeded whether the command exited with 0 in time
   * @param log the last {@value #LOG_EXCERPT_CHARS} characters of its output (stdout and stderr),
   *     then the exit code or the timeout when it failed; secrets masked
   * @param took how long it ran
   */
  record Result(boolean succeeded, String log, Duration took) {}

  /** Runs the command in {@code dir}; never throws: a build that cannot start has failed. */
  Result run(Path dir) {
    long start = System.nanoTime();
    String log;
    boolean succeeded = false;
    Process process = null;
    try {
      process =
          environment
              .applyTo(new ProcessBuilder("sh", "-c", command))
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .start();
      process.getOutputStream().close(); // the build reads nothing from the agent
      BuildLog out = new BuildLog(LOG_BUFFER_BYTES);
      Thread reader = readInBackground(process.getInputStream(), out);
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
        reader.join(1_000);
        log = tail(out) + "\n[build timed out after " + timeout.toSeconds() + " s]";
      } else {
        reader.join(5_000);
        succeeded = process.exitValue() == 0;
        log = tail(out) + (succeeded ? "" : "\n[exit code " + process.exitValue() + "]");
      }
    } catch (IOException e) {
      log = secrets.mask("the build command could not start: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log = "interrupted while building";
    } finally {
      if (process != null && process.isAlive()) {
        kill(process); // never leave a build running in a working copy the next task will change
      }
    }
    return new Result(succeeded, log, Duration.ofNanos(System.nanoTime() - start));
  }

  /** Copies the build's output on a thread of its own, so a chatty build never blocks on a pipe. */
  private static Thread readInBackground(InputStream output, BuildLog out) {
    Thread reader =
        new Thread(
            () -> {
              try (InputStream in = output) {
                in.transferTo(out);
              } catch (IOException ignored) {
                // the process went away; what was read is the log
              }
            },
            "agentmq-build-log");
    reader.setDaemon(true);
    reader.start();
    return reader;
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /**
   * The last {@value #LOG_EXCERPT_CHARS} characters of the output, secrets masked, marked when cut.
   * Masked before it is cut, so no cut shows part of a secret; when the ring dropped the start, as
   * many characters as the longest secret are dropped too, so a secret the ring cut shows no part.
   */
  private String tail(BuildLog out) {
    String s = new String(out.bytes(), StandardCharsets.UTF_8);
    boolean cut = out.cut();
    if (cut) {
      s = s.substring(Math.min(s.length(), secrets.longest()));
    }
    s = secrets.mask(s);
    if (s.length() > LOG_EXCERPT_CHARS) {
      s = s.substring(s.length() - LOG_EXCERPT_CHARS);
      cut = true;
    }
    return cut ? "..." + s : s;
  }
}
