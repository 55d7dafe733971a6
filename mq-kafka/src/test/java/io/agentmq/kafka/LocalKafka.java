package io.agentmq.kafka;

import java.util.concurrent.CountDownLatch;

/**
 * A local single-node Kafka (KRaft) for trying AgentMQ without Docker: {@code scripts/local-kafka
 * [port]} runs it (port 9092 by default) until Ctrl-C, with its data in a temporary directory.
 */
public final class LocalKafka {
  private LocalKafka() {}

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 9092;
    KafkaBrokerProcess broker = KafkaBrokerProcess.start(port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  stopped.countDown();
                }));
    System.out.println(
        "Kafka is up: KAFKA_BOOTSTRAP_SERVERS=" + broker.bootstrapServers() + " (Ctrl-C stops it)");
    stopped.await();
  }
}
