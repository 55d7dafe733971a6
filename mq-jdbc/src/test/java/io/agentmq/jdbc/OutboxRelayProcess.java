package io.agentmq.jdbc;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The relay process of the outbox fault tests: relays an outbox table through the backend of its
 * environment ({@code MQ_BROKER_TYPE}...) from the database at {@code OUTBOX_JDBC_URL}, marking
 * every message it publishes with the {@value #RELAYED_BY} header. Stops on SIGTERM, closing the
 * relay.
 *
 * <p>Arguments: {@code <table> <batch size> <name> [<confirm delay ms>]}. A confirm delay holds
 * each broker confirm back that long, as a slow broker would, so that a kill lands between a
 * batch's sends and its delete more often than not.
 */
public final class OutboxRelayProcess {
  /** The header naming the relay process that published a message. */
  static final String RELAYED_BY = "outbox-relayed-by";

  private OutboxRelayProcess() {}

  public static void main(String[] args) throws InterruptedException {
    String table = args[0];
    int batchSize = Integer.parseInt(args[1]);
    String name = args[2];
    long confirmDelayMs = args.length > 3 ? Long.parseLong(args[3]) : 0;
    MessageQueue queue = MessageQueue.create(MqConfig.load());
    OutboxRelay relay =
        OutboxRelay.builder(
                System.getenv("OUTBOX_JDBC_URL"),
                marking(queue.createProducer(), name, confirmDelayMs))
            .outbox(new JdbcOutbox(table))
            .batchSize(batchSize)
            .pollInterval(Duration.ofMillis(20))
            .start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  relay.close();
                  queue.close();
                  stopped.countDown();
                }));
    System.out.println("relay " + name + " started on " + table);
    stopped.await();
  }

  /**
   * {@code producer}, adding {@value #RELAYED_BY}: {@code name} to every message and completing
   * each send {@code confirmDelayMs} after the broker confirmed it.
   */
  static Producer marking(Producer producer, String name, long confirmDelayMs) {
    Executor later = CompletableFuture.delayedExecutor(confirmDelayMs, TimeUnit.MILLISECONDS);
    return new Producer() {
      @Override
      public CompletableFuture<DeliveryReport> send(String topic, Message message) {
        CompletableFuture<DeliveryReport> sent =
            producer.send(topic, message.withHeader(RELAYED_BY, name));
        return confirmDelayMs == 0 ? sent : sent.thenApplyAsync(report -> report, later);
      }

      @Override
      public void flush() {
        producer.flush();
      }

      @Override
      public void close() {
        producer.close();
      }
    };
  }
}
