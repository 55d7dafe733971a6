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
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * End-to-end latency at a fixed rate, raw client and AgentMQ on the same broker: one producer sends
 * 200-byte messages on a schedule ({@code rate} per second), one consumer receives them, and each
 * message's latency is measured from the time it was due to be sent (so a stalled sender counts
 * against the figures instead of hiding them) to its handling. Percentiles from HdrHistogram; Kafka
 * with {@code linger.ms} 0 on both sides.
 */
final class LatencyBench {
  static final int[] RATES = {1_000, 10_000};
  private final String kafkaBootstrap;
  private final String amqpUrl;
  private final Duration duration;
  private final int rounds;
  private int topics;

  LatencyBench(String kafkaBootstrap, String amqpUrl, Duration duration, int rounds) {
    this.kafkaBootstrap = kafkaBootstrap;
    this.amqpUrl = amqpUrl;
    this.duration = duration;
    this.rounds = rounds;
  }

  List<Row> run() throws Exception {
    List<Row> rows = new ArrayList<>();
    if (kafkaBootstrap != null) {
      MqConfig config =
          MqConfig.builder()
              .brokerType("kafka")
              .set("kafka.bootstrap_servers", kafkaBootstrap)
              .set("kafka.linger_ms", "0")
              .build();
      try (MessageQueue queue = MessageQueue.create(config)) {
        for (int rate : RATES) {
          rows.addAll(
              percentiles(
                  "Kafka",
                  rate,
                  round -> rawKafka(newTopic(queue), rate),
                  round -> agentmq(queue, newTopic(queue), rate)));
        }
      }
    }
    if (amqpUrl != null) {
      MqConfig config =
          MqConfig.builder().brokerType("amqp").set("amqp.url", amqpUrl).deadLetter(false).build();
      ConnectionFactory factory = new ConnectionFactory();
      factory.setUri(amqpUrl);
      try (MessageQueue queue = MessageQueue.create(config);
          Connection connection = factory.newConnection("agentmq-bench-latency")) {
        for (int rate : RATES) {
          rows.addAll(
              percentiles(
                  "RabbitMQ",
                  rate,
                  round ->
                      rawAmqp(connection, "bench-latency-raw-" + pid() + "-" + (++topics), rate),
                  round -> {
                    String topic = "bench-latency-" + pid() + "-" + (++topics);
                    try {
                      return agentmq(queue, topic, rate);
                    } finally {
                      queue.admin().deleteTopic(topic);
                    }
                  }));
        }
      }
    }
    return rows;
  }

  private static long pid() {
    return ProcessHandle.current().pid();
  }

  private String newTopic(MessageQueue queue) {
    String topic = "bench-latency-" + pid() + "-" + (++topics);
    queue.admin().createTopic(TopicSpec.of(topic, 1));
    return topic;
  }

  private List<Row> percentiles(
      String backend, int rate, Rounds.Trial<Histogram> raw, Rounds.Trial<Histogram> agentmq)
      throws Exception {
    Rounds.Results<Histogram> results = Rounds.alternate(rounds, raw, agentmq);
    List<Row> rows = new ArrayList<>();
    for (double p : new double[] {50, 99, 99.9}) {
      List<Double> r = new ArrayList<>();
      List<Double> a = new ArrayList<>();
      results.raw().forEach(h -> r.add(h.getValueAtPercentile(p) / 1000.0));
      results.agentmq().forEach(h -> a.add(h.getValueAtPercentile(p) / 1000.0));
      Row row =
          Row.of(
              "latency",
              String.format("%s, %,d msg/s, p%s", backend, rate, p == 99.9 ? "99.9" : (int) p),
              "ms",
              false,
              r,
              a);
      System.out.println(row);
      rows.add(row);
    }
    return rows;
  }

  /** Sends on schedule; {@code send} gets the payload stamped with the due time. */
  @FunctionalInterface
  private interface Sender {
    void send(byte[] payload) throws Exception;
  }

  private void paced(int rate, Sender sender) throws Exception {
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    long count = duration.toNanos() / interval;
    long start = System.nanoTime();
    for (long i = 0; i < count; i++) {
      long due = start + i * interval;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(Math.min(wait, 50_000));
      }
      sender.send(ByteBuffer.allocate(200).putLong(0, due).array());
    }
  }

  private static long dueOf(byte[] payload) {
    return ByteBuffer.wrap(payload).getLong(0);
  }

  /** Receiver side: records latencies, counts arrivals (the first is the attach check). */
  private static final class Recorder {
    final Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    final Arrivals arrivals;

    Recorder(long expected) {
      arrivals = new Arrivals(expected);
    }

    void received(byte[] payload) {
      long due = dueOf(payload);
      if (due != 0) {
        synchronized (histogram) {
          histogram.recordValue(Math.max(1, (System.nanoTime() - due) / 1000));
        }
      }
      arrivals.add(1);
    }
  }

  private Histogram measured(Recorder recorder, Sender first, int rate, Sender sender)
      throws Exception {
    first.send(new byte[200]); // due time 0: not recorded
    recorder.arrivals.await(recorder.arrivals.first);
    paced(rate, sender);
    recorder.arrivals.await(recorder.arrivals.last);
    synchronized (recorder.histogram) {
      return recorder.histogram.copy();
    }
  }

  private long expected(int rate) {
    return duration.toNanos() / (TimeUnit.SECONDS.toNanos(1) / rate) + 1;
  }

  private Histogram rawKafka(String topic, int rate) throws Exception {
    KafkaBench kafka = new KafkaBench(kafkaBootstrap, 0, 0, false);
    var producerProperties = kafka.producerProperties(16_384, "lz4");
    producerProperties.put("linger.ms", 0);
    Recorder recorder = new Recorder(expected(rate));
    AtomicReference<Exception> failure = new AtomicReference<>();
    Thread poller =
        new Thread(
            () -> {
              try (KafkaConsumer<byte[], byte[]> consumer =
                  new KafkaConsumer<>(kafka.consumerProperties(topic + "-raw"))) {
                consumer.subscribe(List.of(topic));
                KafkaBench.Committer committer = new KafkaBench.Committer();
                while (recorder.arrivals.received.get() < recorder.arrivals.expected) {
                  for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    recorder.received(r.value());
                  }
                  committer.commit(consumer);
                }
                consumer.commitSync();
              } catch (Exception e) {
                failure.set(e);
                recorder.arrivals.fail();
              }
            },
            "raw-latency-consumer");
    poller.start();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties)) {
      Histogram h =
          measured(
              recorder,
              p -> producer.send(new ProducerRecord<>(topic, p)).get(),
              rate,
              p -> producer.send(new ProducerRecord<>(topic, p)));
      poller.join();
      if (failure.get() != null) {
        throw failure.get();
      }
      return h;
    }
  }

  private Histogram rawAmqp(Connection connection, String topic, int rate) throws Exception {
    Recorder recorder = new Recorder(expected(rate));
    try (Channel publish = connection.createChannel();
        Channel consume = connection.createChannel()) {
      String queue = AmqpBench.declare(publish, "classic", topic);
      AmqpBench.consumeAcking(consume, queue, recorder::received);
      AmqpBench.ConfirmWindow confirms = new AmqpBench.ConfirmWindow(publish);
      Histogram h =
          measured(
              recorder,
              p -> confirms.publish(publish, topic, p),
              rate,
              p -> confirms.publish(publish, topic, p));
      confirms.awaitAll();
      AmqpBench.delete(publish, topic);
      return h;
    }
  }

  private Histogram agentmq(MessageQueue queue, String topic, int rate) throws Exception {
    Recorder recorder = new Recorder(expected(rate));
    try (Producer producer = queue.createProducer();
        var consumer =
            queue.subscribe(
                Subscription.to(topic)
                    .group("bench")
                    .handler(d -> recorder.received(d.payload()))
                    .build())) {
      return measured(
          recorder,
          p -> producer.sendAndWait(topic, Message.of(p)),
          rate,
          p -> producer.send(topic, Message.of(p)));
    }
  }
}
