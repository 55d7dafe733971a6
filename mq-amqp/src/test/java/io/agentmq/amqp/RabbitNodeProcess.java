package io.agentmq.amqp;

import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A RabbitMQ node of the test's own, started from the installed {@code rabbitmq-server} with its
 * own node name, ports, data and logs in a temporary directory and the Erlang cookie of the
 * machine's default node (so {@code rabbitmqctl -n <node>} reaches it, and nodes can cluster). It
 * can be killed with SIGKILL (its {@code beam.smp}, not a wrapper script) and started again on the
 * same data; the machine's default node is never touched.
 */
public final class RabbitNodeProcess implements AutoCloseable {
  private static final Path SERVER_SCRIPT = Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server");
  private static final Path CTL_SCRIPT = Path.of("/usr/lib/rabbitmq/bin/rabbitmqctl");
  private static final List<Path> COOKIES =
      List.of(
          Path.of("/var/lib/rabbitmq/.erlang.cookie"),
          Path.of(System.getProperty("user.home"), ".erlang.cookie"));

  private final Settings settings;
  private final Path dir;
  private Process script;
  private ProcessHandle beam;

  /**
   * How a node is set up.
   *
   * @param nodeName e.g. {@code agentmq-fault-1a2b3c4d@localhost}
   * @param amqpPort where it accepts AMQP, on 127.0.0.1
   * @param distPort its Erlang distribution port (clustering, {@code rabbitmqctl})
   * @param managementPort the management plugin's HTTP port, or 0 to run without the plugin
   * @param config further lines of {@code rabbitmq.conf}, e.g. {@code consumer_timeout = 10000}
   * @param plugins further plugins to enable, e.g. {@code rabbitmq_auth_mechanism_ssl}
   */
  public record Settings(
      String nodeName,
      int amqpPort,
      int distPort,
      int managementPort,
      List<String> config,
      List<String> plugins) {
    /** Without further plugins. */
    public Settings(
        String nodeName, int amqpPort, int distPort, int managementPort, List<String> config) {
      this(nodeName, amqpPort, distPort, managementPort, config, List.of());
    }

    /** A fresh node name and free ports, without the management plugin. */
    public static Settings defaults() {
      return new Settings(
          "agentmq-fault-" + UUID.randomUUID().toString().substring(0, 8) + "@localhost",
          freePort(),
          freePort(),
          0,
          List.of());
    }

    /** The same with the management plugin on a free port. */
    public Settings withManagement() {
      return new Settings(nodeName, amqpPort, distPort, freePort(), config, plugins);
    }

    /** The same with more lines of {@code rabbitmq.conf}. */
    public Settings withConfig(String... lines) {
      List<String> all = new ArrayList<>(config);
      all.addAll(List.of(lines));
      return new Settings(nodeName, amqpPort, distPort, managementPort, List.copyOf(all), plugins);
    }

    /**
     * The same with an AMQP TLS listener on {@code 127.0.0.1:port} presenting {@code certFile}
     * ({@code keyFile}), verifying client certificates against {@code caFile} when a client
     * presents one, and requiring one when {@code requireClientCertificate}.
     */
    public Settings withTls(
        int port, Path caFile, Path certFile, Path keyFile, boolean requireClientCertificate) {
      return withConfig(
          "listeners.ssl.default = 127.0.0.1:" + port,
          "ssl_options.cacertfile = " + caFile,
          "ssl_options.certfile = " + certFile,
          "ssl_options.keyfile = " + keyFile,
          "ssl_options.verify = verify_peer",
          "ssl_options.fail_if_no_peer_cert = " + requireClientCertificate);
    }

    /**
     * The same with the management plugin also over HTTPS, on {@code 127.0.0.1:port}, presenting
     * {@code certFile} ({@code keyFile}); its plain HTTP listener gets a free port of its own.
     */
    public Settings withManagementTls(int port, Path caFile, Path certFile, Path keyFile) {
      return (managementPort > 0 ? this : withManagement())
          .withConfig(
              "management.ssl.ip = 127.0.0.1",
              "management.ssl.port = " + port,
              "management.ssl.cacertfile = " + caFile,
              "management.ssl.certfile = " + certFile,
              "management.ssl.keyfile = " + keyFile);
    }

    /** The same with more plugins enabled. */
    public Settings withPlugins(String... names) {
      List<String> all = new ArrayList<>(plugins);
      all.addAll(List.of(names));
      return new Settings(nodeName, amqpPort, distPort, managementPort, config, List.copyOf(all));
    }
  }

  private RabbitNodeProcess(Settings settings, Path dir) {
    this.settings = settings;
    this.dir = dir;
  }

  /** Whether {@code rabbitmq-server} is installed where this class starts it from. */
  public static boolean installed() {
    return Files.isExecutable(SERVER_SCRIPT);
  }

  /** Starts a node with {@link Settings#defaults()}. */
  public static RabbitNodeProcess start() throws IOException, InterruptedException {
    return start(Settings.defaults());
  }

  /** Writes the node's files into a new temporary directory, starts it and waits for AMQP. */
  public static RabbitNodeProcess start(Settings settings)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("agentmq-rabbit-");
    Files.createDirectories(dir.resolve("home"));
    Files.createDirectories(dir.resolve("mnesia"));
    Files.createDirectories(dir.resolve("log"));
    Path cookie = dir.resolve("home").resolve(".erlang.cookie");
    Files.writeString(cookie, cookie());
    Files.setPosixFilePermissions(cookie, PosixFilePermissions.fromString("r--------"));
    Files.writeString(dir.resolve("rabbitmq-env.conf"), "");
    List<String> plugins = new ArrayList<>(settings.plugins());
    if (settings.managementPort() > 0) {
      plugins.add(0, "rabbitmq_management");
    }
    Files.writeString(dir.resolve("enabled_plugins"), "[" + String.join(",", plugins) + "].\n");
    List<String> config = new ArrayList<>();
    config.add("listeners.tcp.local = 127.0.0.1:" + settings.amqpPort());
    if (settings.managementPort() > 0) {
      config.add("management.tcp.ip = 127.0.0.1");
      config.add("management.tcp.port = " + settings.managementPort());
    }
    config.addAll(settings.config());
    Files.write(dir.resolve("rabbitmq.conf"), config);
    RabbitNodeProcess node = new RabbitNodeProcess(settings, dir);
    try {
      node.startAgain();
    } catch (IOException | RuntimeException e) {
      node.close();
      throw e;
    }
    return node;
  }

  public Settings settings() {
    return settings;
  }

  public String nodeName() {
    return settings.nodeName();
  }

  public int amqpPort() {
    return settings.amqpPort();
  }

  /** {@code amqp://guest:guest@127.0.0.1:<port>} (the node's default user, local only). */
  public String url() {
    return url(settings.amqpPort());
  }

  /** The node's AMQP URL on another port, e.g. a proxy's in front of it. */
  public static String url(int port) {
    return "amqp://guest:guest@127.0.0.1:" + port;
  }

  /** {@code http://127.0.0.1:<port>} of the management plugin, when enabled. */
  public Optional<String> managementUrl() {
    return settings.managementPort() > 0
        ? Optional.of("http://127.0.0.1:" + settings.managementPort())
        : Optional.empty();
  }

  /** The data and logs of the node ({@code log/<node>.log}). */
  public Path dir() {
    return dir;
  }

  /**
   * Runs {@code rabbitmqctl -n <node> <args>} against this node (e.g. {@code add_user}) and returns
   * its output; fails with that output when it exits with an error.
   */
  public String rabbitmqctl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(CTL_SCRIPT.toString(), "-n", nodeName()));
    command.addAll(List.of(args));
    // In the node's directory: an Erlang crash dump of the CLI lands there, not in the module.
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("RABBITMQ_"));
    env.put("HOME", dir.resolve("home").toString()); // its cookie
    Process p = builder.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("rabbitmqctl " + String.join(" ", args) + " failed: " + output.trim());
    }
    return output;
  }

  /** Starts the node (again) on the same data and ports; returns once it accepts AMQP. */
  public void startAgain() throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(SERVER_SCRIPT.toString()).directory(dir.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("RABBITMQ_") || k.equals("NOTIFY_SOCKET"));
    env.put("HOME", dir.resolve("home").toString());
    env.put("RABBITMQ_NODENAME", settings.nodeName());
    env.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
    env.put("RABBITMQ_NODE_PORT", Integer.toString(settings.amqpPort()));
    env.put("RABBITMQ_DIST_PORT", Integer.toString(settings.distPort()));
    // Its own files only: the machine's node reads /etc/rabbitmq.
    env.put("RABBITMQ_CONF_ENV_FILE", dir.resolve("rabbitmq-env.conf").toString());
    env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString());
    env.put("RABBITMQ_ADVANCED_CONFIG_FILE", dir.resolve("advanced.config").toString());
    env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
    env.put("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString());
    env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
    env.put("ERL_EPMD_ADDRESS", "127.0.0.1");
    env.put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}");
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()));
    script = builder.start();
    beam = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (!script.isAlive()) {
        throw new IOException(
            "RabbitMQ node "
                + settings.nodeName()
                + " exited at start; see "
                + dir.resolve("server.log")
                + " and "
                + dir.resolve("log"));
      }
      if (beam == null) {
        beam = script.descendants().filter(RabbitNodeProcess::isBeam).findFirst().orElse(null);
      }
      if (beam != null && acceptsAmqp()) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IOException(
        "RabbitMQ node "
            + settings.nodeName()
            + " did not accept AMQP on "
            + settings.amqpPort()
            + " within 90 s; see "
            + dir.resolve("log"));
  }

  /** Whether the node's Erlang VM runs now (started, and neither killed nor stopped since). */
  public boolean running() {
    return beam != null && beam.isAlive();
  }

  /**
   * Returns once the node accepts AMQP, e.g. after {@code rabbitmqctl start_app}; fails when it
   * does not within 90 s.
   */
  public void awaitAmqp() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!acceptsAmqp()) {
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "RabbitMQ node "
                + settings.nodeName()
                + " did not accept AMQP on "
                + settings.amqpPort()
                + " within 90 s; see "
                + dir.resolve("log"));
      }
      Thread.sleep(200);
    }
  }

  /** The OS process id of the node's Erlang VM. */
  public long pid() {
    if (beam == null) {
      throw new IllegalStateException("the node " + settings.nodeName() + " is not running");
    }
    return beam.pid();
  }

  /** SIGKILL of the node's Erlang VM: no goodbye to clients, nothing flushed; waits until gone. */
  public void kill() throws InterruptedException {
    if (beam != null && beam.isAlive()) {
      beam.destroyForcibly();
      awaitExit(beam);
    }
    if (script != null) {
      script.waitFor(30, TimeUnit.SECONDS); // the wrapper script ends with its VM
    }
    beam = null;
  }

  /** Stops the node gracefully (SIGTERM to the wrapper script, which stops the VM); waits. */
  public void stop() throws InterruptedException {
    if (script != null && script.isAlive()) {
      script.destroy();
      if (!script.waitFor(60, TimeUnit.SECONDS)) {
        kill();
        script.destroyForcibly().waitFor();
      }
    }
    if (beam != null && beam.isAlive()) {
      kill();
    }
    beam = null;
  }

  /** Stops the node and deletes its directory; idempotent. */
  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind
    }
  }

  private boolean acceptsAmqp() {
    ConnectionFactory factory = new ConnectionFactory();
    factory.setHost("127.0.0.1");
    factory.setPort(settings.amqpPort());
    factory.setConnectionTimeout(1_000);
    factory.setAutomaticRecoveryEnabled(false);
    try (var connection = factory.newConnection("agentmq-node-probe")) {
      return connection.isOpen();
    } catch (Exception notYet) {
      return false;
    }
  }

  private static boolean isBeam(ProcessHandle p) {
    return p.info().command().map(c -> c.endsWith("beam.smp")).orElse(false);
  }

  private static void awaitExit(ProcessHandle p) throws InterruptedException {
    try {
      p.onExit().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("process " + p.pid() + " did not end after SIGKILL", e);
    }
  }

  /** The cookie of the machine's default node, or a random one when none is readable. */
  private static String cookie() {
    for (Path path : COOKIES) {
      try {
        if (Files.isReadable(path)) {
          return Files.readString(path).trim();
        }
      } catch (IOException e) {
        // try the next
      }
    }
    byte[] random = new byte[20];
    new SecureRandom().nextBytes(random);
    return HexFormat.of().formatHex(random).toUpperCase(java.util.Locale.ROOT);
  }

  /** A TCP port free on this machine now. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
