package io.agentmq.bench;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import io.agentmq.api.TopicSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Memory of a process that holds one producer and one consumer, raw client or AgentMQ, each
 * measured in a fresh JVM ({@code -Xmx512m}) so neither inherits the other's heap: used heap after
 * a full GC and resident set size (Linux {@code VmRSS}), idle (connected, subscribed) and under
 * load (200-byte messages sent and consumed as fast as they go, at most 100 unconfirmed, for a few
 * seconds; RSS is the peak).
 */
final class Footprint {
  private static final byte[] PAYLOAD = new byte[200];

  /** Figures of one process, MiB. */
  record Sample(double idleHeap, double idleRss, double loadHeap, double loadRss) {}

  private Footprint() {}

  /** Parent side: one row per figure and backend, {@code rounds} fresh JVMs per side. */
  static List<Row> run(List<String> backends, Map<String, String> env, Duration load, int rounds)
      throws Exception {
    List<Row> rows = new ArrayList<>();
    for (String backend : backends) {
      List<Sample> raw = new ArrayList<>();
      List<Sample> agentmq = new ArrayList<>();
      for (int i = 0; i < rounds; i++) {
        raw.add(child(backend, "raw", env, load));
        agentmq.add(child(backend, "agentmq", env, load));
      }
      rows.add(row(backend, "heap after GC, idle", raw, agentmq, Sample::idleHeap));
      rows.add(row(backend, "RSS, idle", raw, agentmq, Sample::idleRss));
      rows.add(row(backend, "heap after GC, under load", raw, agentmq, Sample::loadHeap));
      rows.add(row(backend, "RSS peak, under load", raw, agentmq, Sample::loadRss));
    }
    return rows;
  }

  private static Row row(
      String backend,
      String what,
      List<Sample> raw,
      List<Sample> agentmq,
      java.util.function.ToDoubleFunction<Sample> figure) {
    Row row =
        Row.of(
            "footprint",
            backend + ", " + what,
            "MiB",
            false,
            raw.stream().map(figure::applyAsDouble).toList(),
            agentmq.stream().map(figure::applyAsDouble).toList());
    System.out.println(row);
    return row;
  }

  private static Sample child(String backend, String side, Map<String, String> env, Duration load)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                Footprint.class.getName(),
                backend,
                side,
                Long.toString(load.toMillis()))
            .redirectErrorStream(true);
    pb.environment().putAll(env); // the broker addresses; credentials stay out of the arguments
    Process process = pb.start();
    String last = null;
    List<String> output = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        output.add(line);
        if (line.startsWith("footprint ")) {
          last = line;
        }
      }
    }
    if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0 || last == null) {
      throw new IllegalStateException(
          "footprint of " + backend + "/" + side + " failed:\n" + String.join("\n", output));
    }
    String[] f = last.split(" ");
    return new Sample(
        Double.parseDouble(f[1]),
        Double.parseDouble(f[2]),
        Double.parseDouble(f[3]),
        Double.parseDouble(f[4]));
  }

  /** Child side: {@code <memory|kafka|rabbitmq> <raw|agentmq> <load millis>}. */
  public static void main(String[] args) throws Exception {
    String backend = args[0];
    boolean raw = args[1].equals("raw");
    long loadMillis = Long.parseLong(args[2]);
    try (Load load = raw ? rawLoad(backend) : agentmqLoad(backend)) {
      double idleHeap = heapAfterGc();
      double idleRss = rss();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread sender =
          new Thread(
              () -> {
                try {
                  while (running.get()) {
                    load.send();
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      sender.start();
      double peakRss = 0;
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(loadMillis);
      while (System.nanoTime() < end) {
        peakRss = Math.max(peakRss, rss());
        Thread.sleep(50); // sampling interval of the RSS peak
      }
      double loadHeap = heapAfterGc();
      running.set(false);
      sender.join();
      if (load.received() == 0) {
        throw new IllegalStateException("nothing was consumed under load");
      }
      System.out.printf(
          java.util.Locale.ROOT,
          "footprint %.1f %.1f %.1f %.1f%n",
          idleHeap,
          idleRss,
          loadHeap,
          Math.max(peakRss, rss()));
    }
  }

  private static double heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100); // let reference processing and concurrent phases finish
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
  }

  private static double rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException e) {
      // not Linux: no RSS figure
    }
    return Double.NaN;
  }

  /** A producer and a consumer, connected and subscribed. */
  private interface Load extends AutoCloseable {
    void send() throws Exception;

    long received();
  }

  private static String topic() {
    return "bench-footprint-" + ProcessHandle.current().pid();
  }

  private static Load agentmqLoad(String backend) throws Exception {
    MqConfig.Builder b =
        MqConfig.builder()
            .environment(System.getenv())
            .brokerType(backend.equals("rabbitmq") ? "amqp" : backend)
            .deadLetter(false);
    MessageQueue queue = MessageQueue.create(b.build());
    String topic = topic();
    queue.admin().createTopic(TopicSpec.of(topic, 1));
    AtomicLong received = new AtomicLong();
    var consumer =
        queue.subscribe(
            Subscription.to(topic).group("bench").handler(d -> received.incrementAndGet()).build());
    Producer producer = queue.createProducer();
    Semaphore window = new Semaphore(AmqpBench.WINDOW);
    return new Load() {
      @Override
      public void send() throws Exception {
        window.acquire();
        producer.send(topic, Message.of(PAYLOAD)).whenComplete((r, e) -> window.release());
      }

      @Override
      public long received() {
        return received.get();
      }

      @Override
      public void close() {
        producer.close();
        consumer.close();
        queue.admin().deleteTopic(topic);
        queue.close();
      }
    };
  }

  private static Load rawLoad(String backend) throws Exception {
    return switch (backend) {
      case "memory" -> rawMemory();
      case "kafka" -> rawKafka(System.getenv("KAFKA_BOOTSTRAP_SERVERS"));
      case "rabbitmq" -> rawAmqp(System.getenv("AMQP_URL"));
      default -> throw new IllegalArgumentException("unknown backend " + backend);
    };
  }

  private static Load rawMemory() {
    ArrayBlockingQueue<byte[]> handoff = new ArrayBlockingQueue<>(65_536);
    AtomicLong received = new AtomicLong();
    Thread consumer =
        new Thread(
            () -> {
              try {
                while (true) {
                  handoff.take();
                  received.incrementAndGet();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    consumer.setDaemon(true);
    consumer.start();
    return new Load() {
      @Override
      public void send() throws InterruptedException {
        handoff.put(PAYLOAD);
      }

      @Override
      public long received() {
        return received.get();
      }

      @Override
      public void close() {
        consumer.interrupt();
      }
    };
  }

  private static Load rawKafka(String bootstrap) throws Exception {
    KafkaBench kafka = new KafkaBench(bootstrap, 0, 0, false);
    String topic = topic();
    try (var admin =
        org.apache.kafka.clients.admin.Admin.create(
            Map.<String, Object>of("bootstrap.servers", bootstrap))) {
      admin
          .createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)))
          .all()
          .get();
    }
    KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(kafka.producerProperties(16_384, "lz4"));
    AtomicLong received = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    Thread poller =
        new Thread(
            () -> {
              try (KafkaConsumer<byte[], byte[]> consumer =
                  new KafkaConsumer<>(kafka.consumerProperties(topic))) {
                consumer.subscribe(List.of(topic));
                KafkaBench.Committer committer = new KafkaBench.Committer();
                while (running.get()) {
                  received.addAndGet(consumer.poll(Duration.ofMillis(100)).count());
                  committer.commit(consumer);
                }
              }
            });
    poller.start();
    Semaphore window = new Semaphore(AmqpBench.WINDOW);
    return new Load() {
      @Override
      public void send() throws InterruptedException {
        window.acquire();
        producer.send(new ProducerRecord<>(topic, PAYLOAD), (m, e) -> window.release());
      }

      @Override
      public long received() {
        return received.get();
      }

      @Override
      public void close() throws Exception {
        producer.close();
        running.set(false);
        poller.join();
        try (var admin =
            org.apache.kafka.clients.admin.Admin.create(
                Map.<String, Object>of("bootstrap.servers", bootstrap))) {
          admin.deleteTopics(List.of(topic)).all().get();
        }
      }
    };
  }

  private static Load rawAmqp(String url) throws Exception {
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(url);
    Connection connection = factory.newConnection("agentmq-bench-footprint");
    Channel publish = connection.createChannel();
    Channel consume = connection.createChannel();
    String topic = topic();
    String queue = AmqpBench.declare(publish, "classic", topic);
    AtomicLong received = new AtomicLong();
    AmqpBench.consumeAcking(consume, queue, body -> received.incrementAndGet());
    AmqpBench.ConfirmWindow confirms = new AmqpBench.ConfirmWindow(publish);
    return new Load() {
      @Override
      public void send() throws Exception {
        confirms.publish(publish, topic, PAYLOAD);
      }

      @Override
      public long received() {
        return received.get();
      }

      @Override
      public void close() throws Exception {
        confirms.awaitAll();
        AmqpBench.delete(publish, topic);
        connection.close();
      }
    };
  }
}
