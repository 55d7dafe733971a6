package io.agentmq.amqp;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * AgentMQ's side of a quick comparison with RabbitMQ's PerfTest on the same broker and settings:
 * one producer with at most 100 unconfirmed messages (PerfTest {@code --confirm 100}), one consumer
 * with prefetch 100 and manual acks ({@code --qos 100}), 200-byte persistent messages, a durable
 * classic queue, for a fixed time. Not a test.
 *
 * <p>Run: {@code java -cp mq-amqp/target/test-classes:mq-amqp/target/classes:$(cat /tmp/cp.txt)
 * io.agentmq.amqp.AmqpQuickThroughput [seconds]}
 */
public final class AmqpQuickThroughput {
  private AmqpQuickThroughput() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    String topic = "quick-" + UUID.randomUUID().toString().substring(0, 8);
    try (MessageQueue queue =
        MessageQueue.create(
            AmqpTestBroker.configure(MqConfig.builder())
                .set("amqp.prefetch", "100")
                .set("amqp.queue_type", "classic")
                .build())) {
      AtomicLong consumed = new AtomicLong();
      queue.subscribe(
          Subscription.to(topic).group("perf").handler(d -> consumed.incrementAndGet()).build());
      Producer producer = queue.createProducer();
      Semaphore window = new Semaphore(100);
      byte[] payload = new byte[200];
      long sent = 0;
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        window.acquire();
        producer.send(topic, Message.of(payload)).whenComplete((r, e) -> window.release());
        sent++;
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          "AgentMQ amqp: sending rate avg %.0f msg/s, receiving rate avg %.0f msg/s%n",
          sent / elapsed, consumed.get() / elapsed);
      queue.admin().deleteTopic(topic);
    }
  }
}
