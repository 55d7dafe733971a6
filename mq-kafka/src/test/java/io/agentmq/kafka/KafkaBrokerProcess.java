package io.agentmq.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft broker in its own JVM ({@code kafka.Kafka} from the test class path), on
 * fixed ports and a fixed data directory, so it can be stopped and started again at the same
 * address: what the broker-restart and broker-fault tests need, and what benchmarks use to measure
 * against Kafka's own tools. Extra listeners can advertise another port than they listen on, so
 * that clients reach the broker through a proxy, bootstrap and reconnections alike.
 */
public final class KafkaBrokerProcess implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final Path properties;
  private Process process;

  /**
   * A listener of its own for some clients, e.g. those behind one proxy: the broker listens on
   * {@code port} and tells clients that bootstrap through it to connect to {@code advertisedPort}.
   *
   * @param name the listener's name, upper case, e.g. {@code PRODUCERS}
   */
  public record ProxiedListener(String name, int port, int advertisedPort) {}

  private KafkaBrokerProcess(Path dir, int port, Path properties) {
    this.dir = dir;
    this.port = port;
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
    Path properties = dir.resolve("server.properties");
    Files.writeString(
        properties,
        String.join(
            "\n",
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
            "auto.create.topics.enable=false",
            ""));
    KafkaBrokerProcess broker = new KafkaBrokerProcess(dir, port, properties);
    Process format =
        broker
            .java(
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "-t",
                org.apache.kafka.common.Uuid.randomUuid().toString(),
                "-c",
                properties.toString())
            .start();
    if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
      throw new IOException(
          "formatting the Kafka data directory failed; see " + dir.resolve("format.log"));
    }
    broker.startAgain();
    return broker;
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** Starts the broker (again) on the same port and data, and waits until it accepts clients. */
  public void startAgain() throws IOException, InterruptedException {
    process = java("kafka.Kafka", properties.toString()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("the Kafka broker exited; see " + dir.resolve("broker.log"));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new IOException("the Kafka broker did not listen on " + port + " within 60 s");
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
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        new java.util.ArrayList<>(
            List.of(javaBin, "-Xmx512m", "-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(List.of(args));
    String log = mainClass.equals("kafka.Kafka") ? "broker.log" : "format.log";
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(log).toFile()));
  }

  /** A port free on 127.0.0.1 now, e.g. for a listener a proxy will forward to. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
