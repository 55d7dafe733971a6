package io.agentmq.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft broker in its own JVM ({@code kafka.Kafka} from the test class path), on
 * fixed ports and a fixed data directory, so it can be stopped and started again at the same
 * address: what the broker-restart and broker-fault tests need, and what benchmarks use to measure
 * against Kafka's own tools. Extra listeners can advertise another port than they listen on, so
 * that clients reach the broker through a proxy, bootstrap and reconnections alike. Started with
 * {@link Security}, it also has TLS, mutual TLS and SASL_SSL listeners ({@link SecureListener}).
 */
public final class KafkaBrokerProcess implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final Map<SecureListener, Integer> securePorts;
  private final Path properties;
  private Process process;

  /**
   * A listener of its own for some clients, e.g. those behind one proxy: the broker listens on
   * {@code port} and tells clients that bootstrap through it to connect to {@code advertisedPort}.
   *
   * @param name the listener's name, upper case, e.g. {@code PRODUCERS}
   */
  public record ProxiedListener(String name, int port, int advertisedPort) {}

  /** The TLS listeners a broker started with {@link Security} has besides the plain one. */
  public enum SecureListener {
    /** TLS: the client verifies the broker's certificate against the private CA. */
    SSL("SSL"),
    /** Mutual TLS: the broker also requires a client certificate signed by the private CA. */
    MTLS("SSL"),
    /** SASL over TLS: SCRAM-SHA-512 or PLAIN, with the users of {@link Security}. */
    SASL_SSL("SASL_SSL"),
    /** TLS with a certificate for another host ({@link KafkaTestCertificates#OTHER_HOST}). */
    OTHER_HOST("SSL"),
    /** TLS with an expired certificate ({@link KafkaTestCertificates#expiredKeyStore()}). */
    EXPIRED("SSL");

    private final String protocol;

    SecureListener(String protocol) {
      this.protocol = protocol;
    }
  }

  /**
   * What the secure listeners need: the certificates, and the users (name to password, letters and
   * digits only) who may log in with SCRAM-SHA-512 or PLAIN.
   */
  public record Security(KafkaTestCertificates certificates, Map<String, String> users) {
    public Security {
      users = Map.copyOf(users);
      users.forEach(
          (name, password) -> {
            if (!name.matches("[A-Za-z0-9]+") || !password.matches("[A-Za-z0-9]+")) {
              throw new IllegalArgumentException(
                  "user names and passwords must be letters and digits only (user '" + name + "')");
            }
          });
    }

    /** The user names only: passwords are never printed. */
    @Override
    public String toString() {
      return "Security{users=" + new TreeSet<>(users.keySet()) + "}";
    }

    private List<String> brokerProperties() {
      String password = certificates.password();
      StringBuilder plainUsers = new StringBuilder();
      users.forEach(
          (name, secret) ->
              plainUsers.append(" user_").append(name).append("=\"").append(secret).append('"'));
      return List.of(
          "ssl.keystore.type=PKCS12",
          "ssl.keystore.location=" + certificates.brokerKeyStore(),
          "ssl.keystore.password=" + password,
          "ssl.key.password=" + password,
          "ssl.truststore.type=PKCS12",
          "ssl.truststore.location=" + certificates.trustStore(),
          "ssl.truststore.password=" + password,
          "listener.name.mtls.ssl.client.auth=required",
          "listener.name.other_host.ssl.keystore.location=" + certificates.otherHostKeyStore(),
          "listener.name.expired.ssl.keystore.location=" + certificates.expiredKeyStore(),
          "listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN",
          "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
              + "org.apache.kafka.common.security.scram.ScramLoginModule required;",
          "listener.name.sasl_ssl.plain.sasl.jaas.config="
              + "org.apache.kafka.common.security.plain.PlainLoginModule required"
              + plainUsers
              + ";");
    }

    /** The storage tool's arguments that write each user's SCRAM-SHA-512 credential. */
    private List<String> scramArguments() {
      List<String> arguments = new ArrayList<>();
      users.forEach(
          (name, password) ->
              arguments.addAll(
                  List.of(
                      "--add-scram",
                      "SCRAM-SHA-512=[name=" + name + ",password=" + password + "]")));
      return arguments;
    }
  }

  private KafkaBrokerProcess(
      Path dir, int port, Map<SecureListener, Integer> securePorts, Path properties) {
    this.dir = dir;
    this.port = port;
    this.securePorts = securePorts;
    this.properties = properties;
  }

  /** Formats a new data directory and starts the broker on a free port. */
  public static KafkaBrokerProcess start() throws IOException, InterruptedException {
    return start(freePort());
  }

  /** As {@link #start(int, Path)} on a free port. */
  public static KafkaBrokerProcess start(Path dir) throws IOException, InterruptedException {
    return start(freePort(), dir);
  }

  /** Formats a new data directory and starts the broker, clients served on {@code port}. */
  public static KafkaBrokerProcess start(int port) throws IOException, InterruptedException {
    return start(port, Files.createTempDirectory("agentmq-kafka-"));
  }

  /**
   * Formats a new data directory in {@code dir} (e.g. on a tmpfs, so that benchmarks measure the
   * clients rather than the disk) and starts the broker, clients served on {@code port}.
   */
  public static KafkaBrokerProcess start(int port, Path dir)
      throws IOException, InterruptedException {
    return start(port, dir, List.of());
  }

  /**
   * As {@link #start(int, Path)}, with {@code proxied} listeners besides the one on {@code port}: a
   * client bootstrapping through a proxy in front of one of them is told the proxy's address.
   */
  public static KafkaBrokerProcess start(int port, Path dir, List<ProxiedListener> proxied)
      throws IOException, InterruptedException {
    return start(port, dir, proxied, Optional.empty());
  }

  /**
   * Formats a new data directory and starts the broker on free ports with every {@link
   * SecureListener} besides the plain one, the {@code security} users' SCRAM credentials written at
   * format time.
   */
  public static KafkaBrokerProcess start(Security security)
      throws IOException, InterruptedException {
    return start(
        freePort(), Files.createTempDirectory("agentmq-kafka-"), List.of(), Optional.of(security));
  }

  private static KafkaBrokerProcess start(
      int port, Path dir, List<ProxiedListener> proxied, Optional<Security> security)
      throws IOException, InterruptedException {
    int controllerPort = freePort();
    StringBuilder listeners =
        new StringBuilder(
            "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    StringBuilder advertised = new StringBuilder("PLAINTEXT://127.0.0.1:" + port);
    StringBuilder protocols = new StringBuilder("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    for (ProxiedListener l : proxied) {
      listeners.append(',').append(l.name()).append("://127.0.0.1:").append(l.port());
      advertised.append(',').append(l.name()).append("://127.0.0.1:").append(l.advertisedPort());
      protocols.append(',').append(l.name()).append(":PLAINTEXT");
    }
    Map<SecureListener, Integer> securePorts = new EnumMap<>(SecureListener.class);
    if (security.isPresent()) {
      for (SecureListener l : SecureListener.values()) {
        int listenerPort = freePort();
        securePorts.put(l, listenerPort);
        listeners.append(',').append(l.name()).append("://127.0.0.1:").append(listenerPort);
        advertised.append(',').append(l.name()).append("://127.0.0.1:").append(listenerPort);
        protocols.append(',').append(l.name()).append(':').append(l.protocol);
      }
    }
    Path properties = dir.resolve("server.properties");
    List<String> lines =
        new ArrayList<>(
            List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "listeners=" + listeners,
                "advertised.listeners=" + advertised,
                "inter.broker.listener.name=PLAINTEXT",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=" + protocols,
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=4",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=4",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false"));
    security.ifPresent(s -> lines.addAll(s.brokerProperties()));
    lines.add("");
    Files.writeString(properties, String.join("\n", lines));
    KafkaBrokerProcess broker = new KafkaBrokerProcess(dir, port, securePorts, properties);
    List<String> format =
        new ArrayList<>(
            List.of(
                "format",
                "--standalone",
                "-t",
                org.apache.kafka.common.Uuid.randomUuid().toString(),
                "-c",
                properties.toString()));
    security.ifPresent(s -> format.addAll(s.scramArguments()));
    Process formatting = broker.java("kafka.tools.StorageTool", format).start();
    if (!formatting.waitFor(60, TimeUnit.SECONDS) || formatting.exitValue() != 0) {
      throw new IOException(
          "formatting the Kafka data directory failed; see " + dir.resolve("format.log"));
    }
    broker.startAgain();
    return broker;
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** The address of {@code listener}; the broker must have been started with {@link Security}. */
  public String bootstrapServers(SecureListener listener) {
    Integer listenerPort = securePorts.get(listener);
    if (listenerPort == null) {
      throw new IllegalStateException("this broker was started without secure listeners");
    }
    return "127.0.0.1:" + listenerPort;
  }

  /** Starts the broker (again) on the same port and data, and waits until it accepts clients. */
  public void startAgain() throws IOException, InterruptedException {
    process = java("kafka.Kafka", properties.toString()).start();
    awaitListening(process, port, dir.resolve("broker.log"), Duration.ofSeconds(60));
  }

  /**
   * Waits until {@code process}, a broker starting, accepts connections on {@code port} of
   * 127.0.0.1; fails naming {@code log} when it exits first or is not listening {@code within}.
   */
  static void awaitListening(Process process, int port, Path log, Duration within)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("the Kafka broker exited; see " + log);
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        Thread.sleep(200); // polling a port: there is no event to wait on
      }
    }
    throw new IOException(
        "the Kafka broker did not listen on " + port + " within " + within.toSeconds() + " s");
  }

  /** Stops the broker process (SIGTERM: a controlled shutdown) and waits for it to end. */
  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  /**
   * Kills the broker process with SIGKILL (no controlled shutdown, nothing flushed by the broker;
   * what it wrote stays in the page cache) and waits until it is gone.
   */
  public void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor();
    }
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private ProcessBuilder java(String mainClass, String... args) {
    return java(mainClass, List.of(args));
  }

  private ProcessBuilder java(String mainClass, List<String> args) {
    String log = mainClass.equals("kafka.Kafka") ? "broker.log" : "format.log";
    return java(mainClass, args, "512m", dir.resolve(log));
  }

  /**
   * A JVM on this test class path running {@code mainClass} (the broker, {@code kafka.Kafka}, or
   * the storage tool) with at most {@code heap} of heap, its output appended to {@code log}.
   */
  static ProcessBuilder java(String mainClass, List<String> args, String heap, Path log) {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        new ArrayList<>(
            List.of(
                javaBin, "-Xmx" + heap, "-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(args);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
  }

  /** A port free on 127.0.0.1 now, e.g. for a listener a proxy will forward to. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
