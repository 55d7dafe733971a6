package io.agentmq.bench;

import io.agentmq.agents.PipelineTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The raw pipeline on kafka-clients, with the settings the AgentMQ Kafka backend uses by default:
 * one shared {@link KafkaProducer} ({@code acks=all}, idempotent, batch 16 KB, {@code linger.ms} 5,
 * lz4), one {@link KafkaConsumer} per agent group ({@code read_committed}, no auto-commit) whose
 * offsets are committed once every output of the records before them is acknowledged, topics of
 * {@code partitions} partitions created up front and deleted by {@link #close()}.
 */
final class RawKafkaPipeline extends RawPipeline {
  private final String bootstrap;
  private final Admin admin;
  private final KafkaProducer<byte[], byte[]> producer;
  private final List<PollThread> consumers = new ArrayList<>();

  private RawKafkaPipeline(
      String bootstrap, PipelineTopics topics, Duration requestTimeout, int partitions)
      throws Exception {
    super(topics, requestTimeout);
    this.bootstrap = bootstrap;
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    try {
      admin
          .createTopics(
              topics.all().stream()
                  .map(t -> new NewTopic(t, Optional.of(partitions), Optional.empty()))
                  .toList())
          .all()
          .get(1, TimeUnit.MINUTES);
      awaitLeadersOpen(topics.all(), partitions);
    } catch (Exception e) {
      admin.close();
      throw e;
    }
    this.producer = new KafkaProducer<>(producerProperties(bootstrap));
  }

  /**
   * Waits until the leader of every partition serves it, as AgentMQ's Kafka admin does after it
   * creates a topic: a send before that can be lost to Kafka's idempotent producer bug KAFKA-15591.
   * Describing a partition's producers is answered by its leader's replica only.
   */
  private void awaitLeadersOpen(List<String> names, int partitions) throws Exception {
    List<TopicPartition> all =
        names.stream()
            .flatMap(t -> IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(t, p)))
            .toList();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (true) {
      try {
        admin.describeProducers(all).all().get(1, TimeUnit.MINUTES);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(10);
      }
    }
  }

  /** A factory of raw pipelines on the Kafka at {@code bootstrap}. */
  static Factory on(String bootstrap) {
    return (topics, requestTimeout, partitions) -> {
      RawKafkaPipeline pipeline =
          new RawKafkaPipeline(bootstrap, topics, requestTimeout, partitions);
      try {
        String groups = "raw-" + topics.prefix();
        for (Agent agent : Agent.values()) {
          pipeline.consumers.add(pipeline.new PollThread(agent, agent.group(groups)));
        }
        for (PollThread c : pipeline.consumers) {
          c.awaitAssignment();
        }
        return pipeline;
      } catch (Exception | Error e) {
        pipeline.close();
        throw e;
      }
    };
  }

  /** The AgentMQ Kafka backend's producer settings by default ({@code KafkaConfig}). */
  static Map<String, Object> producerProperties(String bootstrap) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 16_384);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    return p;
  }

  /** The AgentMQ Kafka backend's consumer settings ({@code KafkaConfig}). */
  static Map<String, Object> consumerProperties(String bootstrap, String group) {
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

  @Override
  protected CompletableFuture<Void> send(Output output) {
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(
            output.topic(), output.key().getBytes(StandardCharsets.UTF_8), output.value());
    CompletableFuture<Void> sent = new CompletableFuture<>();
    producer.send(
        record,
        (metadata, e) -> {
          if (e != null) {
            sent.completeExceptionally(e);
          } else {
            sent.complete(null);
          }
        });
    return sent;
  }

  /** Stops the consumers, closes the clients and deletes the topics. Idempotent. */
  @Override
  public void close() throws Exception {
    consumers.forEach(PollThread::stop);
    for (PollThread c : consumers) {
      c.thread.join(TimeUnit.MINUTES.toMillis(1));
    }
    consumers.clear();
    orchestrator().close();
    producer.close(Duration.ofSeconds(30));
    try {
      admin.deleteTopics(topics.all()).all().get(1, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      // Already deleted by an earlier close.
      if (!(e.getCause()
          instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
        throw e;
      }
    } finally {
      admin.close();
    }
  }

  /**
   * The records of one poll and how many of their outputs the broker has yet to acknowledge; their
   * offsets are committed when that reaches zero and every earlier poll's has too.
   */
  private static final class Polled {
    final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    final AtomicInteger unacknowledged = new AtomicInteger(1); // 1 until every output is sent

    boolean acknowledged() {
      return unacknowledged.get() == 0;
    }
  }

  /** One agent: its consumer, on a thread of its own, handling records in poll order. */
  private final class PollThread implements ConsumerRebalanceListener {
    private final Agent agent;
    private final String group;
    private final Thread thread;
    private final CountDownLatch assigned = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile Throwable failure;
    private final ArrayDeque<Polled> uncommitted = new ArrayDeque<>();
    private boolean committing;

    PollThread(Agent agent, String group) {
      this.agent = agent;
      this.group = group;
      this.thread = new Thread(this::run, "raw-kafka-" + agent.group(""));
      thread.start();
    }

    /** Waits until the group has given this consumer its partitions. */
    void awaitAssignment() throws InterruptedException {
      if (!assigned.await(1, TimeUnit.MINUTES) || failure != null) {
        throw new IllegalStateException(
            "the raw consumer of group '"
                + group
                + "' got no partitions within a minute"
                + (failure == null ? "" : ": " + failure),
            failure);
      }
    }

    void stop() {
      running = false;
      KafkaConsumer<byte[], byte[]> c = consumer;
      if (c != null) {
        c.wakeup();
      }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      assigned.countDown();
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

    private void run() {
      try (KafkaConsumer<byte[], byte[]> c =
          new KafkaConsumer<>(consumerProperties(bootstrap, group))) {
        consumer = c;
        c.subscribe(agent.inputs(topics), this);
        while (running) {
          ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(100));
          if (!records.isEmpty()) {
            handle(records);
          }
          commitAcknowledged(c);
        }
      } catch (WakeupException e) {
        // stop()
      } catch (Exception | Error e) {
        failure = e;
        assigned.countDown();
        if (running) {
          fail(e);
        }
      }
    }

    private void handle(ConsumerRecords<byte[], byte[]> records) throws Exception {
      Polled polled = new Polled();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        List<Output> outputs = RawKafkaPipeline.this.handle(r.topic(), r.value());
        for (Output o : outputs) {
          polled.unacknowledged.incrementAndGet();
          send(o)
              .whenComplete(
                  (ok, e) -> {
                    if (e != null) {
                      fail(e);
                    } else {
                      polled.unacknowledged.decrementAndGet();
                    }
                  });
        }
        polled.offsets.put(
            new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
      }
      polled.unacknowledged.decrementAndGet();
      uncommitted.add(polled);
    }

    /**
     * Commits the offsets of the polls whose outputs are all acknowledged, oldest first, one
     * asynchronous commit at a time (as the AgentMQ consumer does). Poll thread only.
     */
    private void commitAcknowledged(KafkaConsumer<byte[], byte[]> c) {
      if (committing || uncommitted.isEmpty() || !uncommitted.peek().acknowledged()) {
        return;
      }
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      while (!uncommitted.isEmpty() && uncommitted.peek().acknowledged()) {
        offsets.putAll(uncommitted.poll().offsets);
      }
      committing = true;
      c.commitAsync(
          offsets,
          (done, e) -> {
            committing = false;
            if (e != null) {
              fail(e);
            }
          });
    }
  }
}
