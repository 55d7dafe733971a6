package io.agentmq.bench;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import io.agentmq.api.TopicSpec;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Produce → consume throughput of the memory backend next to a raw {@link ArrayBlockingQueue}
 * hand-off, in one process, alternating raw and AgentMQ rounds after a warm-up.
 *
 * <p>Both sides move {@code messages} 200-byte payloads from one producer thread to one consumer
 * thread. The AgentMQ side builds a {@link Message} per send (a new id and timestamp), as users do,
 * and runs the full consumer path: delivery engine, acknowledgement, committed offset.
 */
final class MemoryBench {
  private static final byte[] PAYLOAD = new byte[200];

  private MemoryBench() {}

  static Row run(int messages, int rounds) throws Exception {
    try (MessageQueue queue =
        MessageQueue.create(MqConfig.builder().brokerType("memory").deadLetter(false).build())) {
      return Rounds.throughput(
          "memory",
          "produce → consume, 1 → 1 thread, 200 B (raw: ArrayBlockingQueue)",
          rounds,
          round -> rawRound(messages),
          round -> agentmqRound(queue, messages, round));
    }
  }

  static double rawRound(int messages) throws InterruptedException {
    ArrayBlockingQueue<byte[]> handoff = new ArrayBlockingQueue<>(65_536);
    AtomicLong received = new AtomicLong();
    Thread consumer =
        new Thread(
            () -> {
              try {
                long n = 0;
                while (n < messages) {
                  byte[] m = handoff.take();
                  n += m.length > 0 ? 1 : 0;
                }
                received.set(n);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    long start = System.nanoTime();
    consumer.start();
    for (int i = 0; i < messages; i++) {
      handoff.put(PAYLOAD);
    }
    consumer.join();
    long elapsed = System.nanoTime() - start;
    if (received.get() != messages) {
      throw new IllegalStateException("raw round lost messages");
    }
    return Rounds.perSecond(messages, elapsed);
  }

  static double agentmqRound(MessageQueue queue, int messages, int round)
      throws InterruptedException {
    String topic = "bench-memory-" + round;
    queue.admin().createTopic(TopicSpec.of(topic, 1));
    CountDownLatch done = new CountDownLatch(1);
    long[] received = new long[1];
    var consumer =
        queue.subscribe(
            Subscription.to(topic)
                .group("bench")
                .handler(
                    d -> {
                      if (++received[0] == messages) {
                        done.countDown();
                      }
                    })
                .build());
    Producer producer = queue.createProducer();
    long start = System.nanoTime();
    for (int i = 0; i < messages; i++) {
      producer.send(topic, Message.of(PAYLOAD));
    }
    if (!done.await(5, TimeUnit.MINUTES)) {
      throw new IllegalStateException("AgentMQ round did not finish: " + received[0]);
    }
    long elapsed = System.nanoTime() - start;
    consumer.close();
    producer.close();
    queue.admin().deleteTopic(topic);
    return Rounds.perSecond(messages, elapsed);
  }
}
