package io.agentmq.bench;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import io.agentmq.api.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Raw {@link KafkaProducer}/{@link KafkaConsumer} against the AgentMQ Kafka backend, with the same
 * producer and consumer settings on both sides: {@code acks=all} with idempotence, {@code
 * linger.ms} 5, the batch size and compression of the row, {@code read_committed}, manual commits
 * (the backend's defaults, written out for the raw side).
 *
 * <p>Produce-only: send {@code n} records without a key and wait for every acknowledgement.
 * End-to-end: a consumer group already subscribed to a new topic reads the {@code n} records the
 * producer sends and commits them; the clock stops at the last record handled.
 */
final class KafkaBench {
  static final int PARTITIONS = 4;
  private final String bootstrap;
  private final long bytesPerRound;
  private final int rounds;
  private final boolean rawHeaders;
  private int topics;
  private String only;
  private Map<String, String> settings = Map.of();

  /**
   * @param rawHeaders the raw side's records carry the two headers AgentMQ adds to every message
   *     ({@code mq-id}, {@code mq-timestamp}): what the envelope costs, apart from the code
   */
  KafkaBench(String bootstrap, long bytesPerRound, int rounds, boolean rawHeaders) {
    this.bootstrap = bootstrap;
    this.bytesPerRound = bytesPerRound;
    this.rounds = rounds;
    this.rawHeaders = rawHeaders;
  }

  /** Runs only the configurations whose label contains {@code text} (all when null). */
  KafkaBench only(String text) {
    this.only = text;
    return this;
  }

  /** AgentMQ settings added to every row's queue, to try one out. */
  KafkaBench with(Map<String, String> extra) {
    this.settings = Map.copyOf(extra);
    return this;
  }

  List<Row> run() throws Exception {
    List<Row> rows = new ArrayList<>();
    for (int payload : new int[] {200, 2048}) {
      for (int batch : new int[] {16_384, 65_536}) {
        for (String compression : new String[] {"none", "lz4"}) {
          rows.addAll(run(payload, batch, compression));
        }
      }
    }
    return rows;
  }

  private List<Row> run(int payloadBytes, int batchSize, String compression) throws Exception {
    byte[] payload = new byte[payloadBytes];
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(payload);
    // Half random, half zero: something for LZ4 to compress, as real payloads have.
    java.util.Arrays.fill(payload, payloadBytes / 2, payloadBytes, (byte) 'a');
    int n = (int) Math.max(100, bytesPerRound / payloadBytes);
    String label =
        (payloadBytes < 1024 ? payloadBytes + " B" : payloadBytes / 1024 + " KB")
            + ", batch "
            + batchSize / 1024
            + " KB, "
            + compression;
    List<Row> rows = new ArrayList<>();
    if (only != null && !label.contains(only)) {
      return rows;
    }
    MqConfig config = config(batchSize, compression);
    try (MessageQueue queue = MessageQueue.create(config)) {
      rows.addAll(
          Rounds.throughputAndCpu(
              "kafka",
              "produce only, " + label,
              rounds,
              n,
              round -> onNewTopic(queue, t -> rawProduce(t, payload, n, batchSize, compression)),
              round -> onNewTopic(queue, t -> agentmqProduce(queue, t, payload, n))));
      rows.addAll(
          Rounds.throughputAndCpu(
              "kafka",
              "produce → consume → commit, " + label,
              rounds,
              n,
              round -> onNewTopic(queue, t -> rawEndToEnd(t, payload, n, batchSize, compression)),
              round -> onNewTopic(queue, t -> agentmqEndToEnd(queue, t, payload, n))));
    }
    return rows;
  }

  private MqConfig config(int batchSize, String compression) {
    MqConfig.Builder builder = MqConfig.builder();
    settings.forEach(builder::set);
    return builder
        .brokerType("kafka")
        .set("kafka.bootstrap_servers", bootstrap)
        .set("kafka.batch_size", Integer.toString(batchSize))
        .set("kafka.linger_ms", "5")
        .set("kafka.compression", compression)
        .set("kafka.acks", "all")
        .build();
  }

  /**
   * Commits what the last poll returned, asynchronously and one commit at a time, as the AgentMQ
   * consumer does (commits issued faster than answered would pile up and expire). Poll thread only.
   */
  static final class Committer {
    private boolean inFlight;

    void commit(KafkaConsumer<?, ?> consumer) {
      if (!inFlight) {
        inFlight = true;
        consumer.commitAsync((offsets, error) -> inFlight = false);
      }
    }
  }

  @FunctionalInterface
  private interface TopicRound {
    double run(String topic) throws Exception;
  }

  /** Runs {@code round} on a topic of its own, deleted afterwards (a round writes ~32 MB). */
  private double onNewTopic(MessageQueue queue, TopicRound round) throws Exception {
    String topic = "bench-kafka-" + ProcessHandle.current().pid() + "-" + (++topics);
    queue.admin().createTopic(TopicSpec.of(topic, PARTITIONS));
    try {
      return round.run(topic);
    } finally {
      queue.admin().deleteTopic(topic);
    }
  }

  Map<String, Object> producerProperties(int batchSize, String compression) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, batchSize);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    return p;
  }

  Map<String, Object> consumerProperties(String group) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return p;
  }

  /** A raw record; with {@link #rawHeaders}, with AgentMQ's id and timestamp headers. */
  private ProducerRecord<byte[], byte[]> record(String topic, byte[] payload) {
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, payload);
    if (rawHeaders) {
      record.headers().add(Headers.ID, Message.newId().getBytes(StandardCharsets.UTF_8));
      record
          .headers()
          .add(
              Headers.TIMESTAMP,
              Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8));
    }
    return record;
  }

  private double rawProduce(String topic, byte[] payload, int n, int batchSize, String compression)
      throws Exception {
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(producerProperties(batchSize, compression))) {
      producer.partitionsFor(topic); // metadata first, as the AgentMQ producer already has it
      return timedProduce(producer, topic, payload, n);
    }
  }

  private double timedProduce(
      KafkaProducer<byte[], byte[]> producer, String topic, byte[] payload, int n)
      throws Exception {
    AtomicReference<Exception> failure = new AtomicReference<>();
    CountDownLatch acked = new CountDownLatch(n);
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      producer.send(
          record(topic, payload),
          (metadata, e) -> {
            if (e != null) {
              failure.compareAndSet(null, e);
            }
            acked.countDown();
          });
    }
    acked.await();
    long elapsed = System.nanoTime() - start;
    if (failure.get() != null) {
      throw failure.get();
    }
    return Rounds.perSecond(n, elapsed);
  }

  private static double agentmqProduce(MessageQueue queue, String topic, byte[] payload, int n)
      throws Exception {
    try (Producer producer = queue.createProducer()) {
      producer.sendAndWait(topic, Message.of(payload)); // metadata, as the raw side fetches it
      return timedProduce(producer, topic, payload, n);
    }
  }

  private static double timedProduce(Producer producer, String topic, byte[] payload, int n) {
    List<CompletableFuture<DeliveryReport>> sends = new ArrayList<>(n);
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      sends.add(producer.send(topic, Message.of(payload)));
    }
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
    return Rounds.perSecond(n, System.nanoTime() - start);
  }

  /**
   * One message first, until the consumer has it (group joined, partitions fetched); then the clock
   * runs from the first of {@code n} sends to the last of them handled.
   */
  private double rawEndToEnd(String topic, byte[] payload, int n, int batchSize, String compression)
      throws Exception {
    Arrivals arrivals = new Arrivals(n + 1L);
    AtomicReference<Exception> failure = new AtomicReference<>();
    Thread poller =
        new Thread(
            () -> {
              try (KafkaConsumer<byte[], byte[]> consumer =
                  new KafkaConsumer<>(consumerProperties(topic + "-raw"))) {
                consumer.subscribe(List.of(topic));
                Committer committer = new Committer();
                while (arrivals.received.get() < arrivals.expected) {
                  ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                  if (!records.isEmpty()) {
                    arrivals.add(records.count());
                    committer.commit(consumer);
                  }
                }
                consumer.commitSync();
              } catch (Exception e) {
                failure.set(e);
                arrivals.fail();
              }
            },
            "raw-consumer");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(producerProperties(batchSize, compression))) {
      poller.start();
      producer.send(record(topic, payload)).get();
      arrivals.await(arrivals.first);
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        producer.send(record(topic, payload));
      }
      arrivals.await(arrivals.last);
      long elapsed = System.nanoTime() - start;
      poller.join();
      if (failure.get() != null) {
        throw failure.get();
      }
      return Rounds.perSecond(n, elapsed);
    }
  }

  private static double agentmqEndToEnd(MessageQueue queue, String topic, byte[] payload, int n)
      throws Exception {
    Arrivals arrivals = new Arrivals(n + 1L);
    try (Producer producer = queue.createProducer();
        var consumer =
            queue.subscribe(
                Subscription.to(topic)
                    .group(topic + "-agentmq")
                    .handler(d -> arrivals.add(1))
                    .build())) {
      producer.sendAndWait(topic, Message.of(payload));
      arrivals.await(arrivals.first);
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        producer.send(topic, Message.of(payload));
      }
      arrivals.await(arrivals.last);
      return Rounds.perSecond(n, System.nanoTime() - start);
    }
  }
}
