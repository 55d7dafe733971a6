package io.agentmq.kafka;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.TopicSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A quick side-by-side on one broker: Kafka's own {@code ProducerPerformance} and a plain {@code
 * KafkaConsumer} against AgentMQ's producer and consumer, same settings (200-byte records,
 * acks=all, batch 16 KB, linger 5 ms, no compression). Not a test; the benchmark module
 * does the full comparison.
 *
 * <p>Run: {@code mvn -q -pl mq-kafka -am -DskipTests install && mvn -q -pl mq-kafka
 * dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test && java -cp
 * mq-kafka/target/test-classes:mq-kafka/target/classes:$(cat /tmp/cp.txt)
 * io.agentmq.kafka.KafkaQuickThroughput [records]}
 */
public final class KafkaQuickThroughput {
  private static final byte[] PAYLOAD = new byte[200];

  private KafkaQuickThroughput() {}

  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start();
        MessageQueue queue =
            MessageQueue.create(
                MqConfig.builder()
                    .brokerType("kafka")
                    .set("kafka.bootstrap_servers", broker.bootstrapServers())
                    .set("kafka.batch_size", "16384")
                    .set("kafka.linger_ms", "5")
                    .set("kafka.compression", "none")
                    .set("kafka.acks", "all")
                    .build())) {
      for (int round = 1; round <= 2; round++) {
        String raw = "raw-" + round;
        String agentmq = "agentmq-" + round;
        queue.admin().createTopic(TopicSpec.of(raw, 4));
        queue.admin().createTopic(TopicSpec.of(agentmq, 4));
        double rawProduce = producerPerformance(broker.bootstrapServers(), raw, records);
        double agentmqProduce = agentmqProduce(queue, agentmq, records);
        double rawConsume = rawConsume(broker.bootstrapServers(), raw, records);
        double agentmqConsume = agentmqConsume(queue, agentmq, records);
        System.out.printf(
            "round %d: produce raw %,.0f msg/s, AgentMQ %,.0f msg/s (%.2f); consume raw %,.0f"
                + " msg/s, AgentMQ %,.0f msg/s (%.2f)%n",
            round,
            rawProduce,
            agentmqProduce,
            agentmqProduce / rawProduce,
            rawConsume,
            agentmqConsume,
            agentmqConsume / rawConsume);
      }
    }
  }

  private static double producerPerformance(String bootstrap, String topic, int records)
      throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                javaBin,
                "-cp",
                System.getProperty("java.class.path"),
                "org.apache.kafka.tools.ProducerPerformance",
                "--topic",
                topic,
                "--num-records",
                Integer.toString(records),
                "--record-size",
                "200",
                "--throughput",
                "-1",
                "--producer-props",
                "bootstrap.servers=" + bootstrap,
                "acks=all",
                "batch.size=16384",
                "linger.ms=5",
                "compression.type=none")
            .redirectErrorStream(true)
            .start();
    String last = null;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.contains("records sent")) {
          last = line;
        }
      }
    }
    p.waitFor(5, TimeUnit.MINUTES);
    System.out.println("ProducerPerformance: " + last);
    // "1000000 records sent, 187000.1 records/sec (...)"
    String rate = last.split(",")[1].trim().split(" ")[0];
    return Double.parseDouble(rate);
  }

  private static double agentmqProduce(MessageQueue queue, String topic, int records) {
    Producer producer = queue.createProducer();
    long start = System.nanoTime();
    CompletableFuture<DeliveryReport> last = null;
    for (int i = 0; i < records; i++) {
      last = producer.send(topic, Message.of(PAYLOAD));
    }
    producer.flush();
    last.join();
    return records / ((System.nanoTime() - start) / 1e9);
  }

  private static double rawConsume(String bootstrap, String topic, int records) {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "raw-" + topic);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      long count = 0;
      long start = 0;
      while (count < records) {
        int n = consumer.poll(Duration.ofMillis(100)).count();
        if (n > 0 && start == 0) {
          start = System.nanoTime(); // from the first record: group join is not throughput
        }
        count += n;
        consumer.commitAsync();
      }
      consumer.commitSync();
      return records / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static double agentmqConsume(MessageQueue queue, String topic, int records)
      throws InterruptedException {
    AtomicLong count = new AtomicLong();
    AtomicLong start = new AtomicLong();
    CountDownLatch done = new CountDownLatch(1);
    var consumer =
        queue.subscribe(
            topic,
            "agentmq-" + topic,
            d -> {
              long n = count.incrementAndGet();
              if (n == 1) {
                start.set(System.nanoTime()); // from the first record, as for the raw consumer
              }
              if (n == records) {
                done.countDown();
              }
            });
    done.await(10, TimeUnit.MINUTES);
    double rate = records / ((System.nanoTime() - start.get()) / 1e9);
    consumer.close();
    return rate;
  }
}
