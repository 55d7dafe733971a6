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
 * address: what the broker-restart test needs, and what benchmarks use to measure against Kafka's
 * own tools.
 */
public final class KafkaBrokerProcess implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final Path properties;
  private Process process;

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
    int controllerPort = freePort();
    Path properties = dir.resolve("server.properties");
    Files.writeString(
        properties,
        String.join(
            "\n",
            "process.roles=broker,controller",
            "node.id=1",
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
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

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
