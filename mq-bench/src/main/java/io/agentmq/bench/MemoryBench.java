package io.agentmq.bench;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import io.agentmq.api.TopicSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 *
 * <p>Usage: {@code java -jar mq-bench/target/mq-bench.jar [messages] [rounds]}.
 */
public final class MemoryBench {
  private static final byte[] PAYLOAD = new byte[200];

  /** Messages per second of each round, raw and AgentMQ. */
  public record Result(double[] raw, double[] agentmq) {
    public double rawMedian() {
      return median(raw);
    }

    public double agentmqMedian() {
      return median(agentmq);
    }
  }

  private MemoryBench() {}

  public static void main(String[] args) throws Exception {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 5_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Runtime rt = Runtime.getRuntime();
    System.out.printf(
        "Machine: %d cores, max heap %d MiB, %s %s%n",
        rt.availableProcessors(),
        rt.maxMemory() >> 20,
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"));
    System.out.printf(
        "%,d messages of %d bytes per round, %d rounds after warm-up%n",
        messages, PAYLOAD.length, rounds);
    Result r = run(messages, rounds);
    System.out.printf("raw ArrayBlockingQueue: %s msg/s per round%n", format(r.raw()));
    System.out.printf("AgentMQ memory:         %s msg/s per round%n", format(r.agentmq()));
    System.out.printf(
        "%n| path | raw msg/s (median) | AgentMQ msg/s (median) | AgentMQ/raw | spread raw | spread"
            + " AgentMQ |%n|---|---|---|---|---|---|%n| memory produce→consume, 1→1 thread,"
            + " 200 B | %,.0f | %,.0f | %.2f | %s | %s |%n",
        r.rawMedian(),
        r.agentmqMedian(),
        r.agentmqMedian() / r.rawMedian(),
        spread(r.raw()),
        spread(r.agentmq()));
  }

  /** Runs a warm-up round of each, then {@code rounds} alternating rounds. */
  public static Result run(int messages, int rounds) throws Exception {
    try (MessageQueue queue =
        MessageQueue.create(MqConfig.builder().brokerType("memory").deadLetter(false).build())) {
      rawRound(messages);
      agentmqRound(queue, messages, 0);
      double[] raw = new double[rounds];
      double[] agentmq = new double[rounds];
      for (int i = 0; i < rounds; i++) {
        raw[i] = rawRound(messages);
        agentmq[i] = agentmqRound(queue, messages, i + 1);
      }
      return new Result(raw, agentmq);
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
    return messages / (elapsed / 1e9);
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
    return messages / (elapsed / 1e9);
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static String spread(double[] values) {
    double min = Arrays.stream(values).min().orElse(0);
    double max = Arrays.stream(values).max().orElse(0);
    return String.format("%,.0f–%,.0f", min, max);
  }

  private static String format(double[] values) {
    List<String> out = new ArrayList<>();
    for (double v : values) {
      out.add(String.format("%,.0f", v));
    }
    return String.join(", ", out);
  }
}
