package io.agentmq.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.MessageProperties;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import io.agentmq.api.TopicSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;

/**
 * Raw amqp-client against the AgentMQ RabbitMQ backend on the same topology: a durable topic
 * exchange per topic, a durable queue ({@code classic} or {@code quorum}) bound with {@code #},
 * persistent messages published mandatory with publisher confirms, at most 100 unconfirmed at a
 * time on both sides; consumers with manual acks and prefetch 100.
 *
 * <p>Produce-only: publish {@code n} and wait for every confirm. End-to-end: a consumer already
 * attached gets the {@code n} messages and acknowledges each; the clock stops at the last one.
 */
final class AmqpBench {
  static final int WINDOW = 100;
  private static final String GROUP = "bench";
  private final String url;
  private final int messages;
  private final int rounds;

  AmqpBench(String url, int messages, int rounds) {
    this.url = url;
    this.messages = messages;
    this.rounds = rounds;
  }

  List<Row> run() throws Exception {
    List<Row> rows = new ArrayList<>();
    byte[] payload = new byte[200];
    for (String type : new String[] {"classic", "quorum"}) {
      String prefix = "bench-amqp-" + ProcessHandle.current().pid() + "-" + type;
      // Every round's topic is known up front, so the AgentMQ side declares its queue with it.
      MqConfig.Builder builder = MqConfig.builder();
      for (int i = 0; i <= rounds; i++) {
        builder.declareGroups(prefix + "-produce-" + i, List.of(GROUP));
      }
      MqConfig config =
          builder
              .brokerType("amqp")
              .set("amqp.url", url)
              .set("amqp.queue_type", type)
              .set("amqp.prefetch", Integer.toString(WINDOW))
              .deadLetter(false)
              .build();
      ConnectionFactory factory = new ConnectionFactory();
      factory.setUri(url);
      try (MessageQueue queue = MessageQueue.create(config);
          Connection connection = factory.newConnection("agentmq-bench-raw")) {
        rows.addAll(
            Rounds.throughputAndCpu(
                "rabbitmq",
                "publish with confirms, 200 B, " + type + " queue",
                rounds,
                messages,
                round -> rawProduce(connection, type, prefix + "-raw-produce-" + round, payload),
                round -> agentmqProduce(queue, prefix + "-produce-" + round, payload)));
        rows.addAll(
            Rounds.throughputAndCpu(
                "rabbitmq",
                "publish → consume → ack, 200 B, " + type + " queue",
                rounds,
                messages,
                round -> rawEndToEnd(connection, type, prefix + "-raw-e2e-" + round, payload),
                round -> agentmqEndToEnd(queue, prefix + "-e2e-" + round, payload)));
      }
    }
    return rows;
  }

  static String declare(Channel ch, String type, String topic) throws IOException {
    ch.exchangeDeclare(topic, BuiltinExchangeType.TOPIC, true);
    String queue = topic + "." + GROUP;
    ch.queueDeclare(queue, true, false, false, Map.of("x-queue-type", type));
    ch.queueBind(queue, topic, "#");
    return queue;
  }

  /** Consumes {@code queue} with prefetch {@link #WINDOW}, acknowledging each message. */
  static void consumeAcking(Channel consume, String queue, java.util.function.Consumer<byte[]> body)
      throws IOException {
    consume.basicQos(WINDOW);
    consume.basicConsume(
        queue,
        false,
        new DefaultConsumer(consume) {
          @Override
          public void handleDelivery(
              String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] payload)
              throws IOException {
            body.accept(payload);
            getChannel().basicAck(envelope.getDeliveryTag(), false);
          }
        });
  }

  static void delete(Channel ch, String topic) throws IOException {
    ch.queueDelete(topic + "." + GROUP);
    ch.exchangeDelete(topic);
  }

  /** Publishes with at most {@link #WINDOW} unconfirmed, waiting for the last confirm. */
  static final class ConfirmWindow {
    private final Semaphore window = new Semaphore(WINDOW);
    private final ConcurrentNavigableMap<Long, Boolean> outstanding = new ConcurrentSkipListMap<>();
    private volatile boolean nacked;

    ConfirmWindow(Channel ch) throws IOException {
      ch.confirmSelect();
      ch.addConfirmListener(
          (tag, multiple) -> settle(tag, multiple),
          (tag, multiple) -> {
            nacked = true;
            settle(tag, multiple);
          });
    }

    private void settle(long tag, boolean multiple) {
      Map<Long, Boolean> done = multiple ? outstanding.headMap(tag, true) : Map.of(tag, true);
      int n = 0;
      for (Long t : List.copyOf(done.keySet())) {
        if (outstanding.remove(t) != null) {
          n++;
        }
      }
      window.release(n);
    }

    void publish(Channel ch, String exchange, byte[] payload) throws Exception {
      window.acquire();
      outstanding.put(ch.getNextPublishSeqNo(), Boolean.TRUE);
      ch.basicPublish(exchange, "", true, MessageProperties.PERSISTENT_BASIC, payload);
    }

    void awaitAll() throws InterruptedException {
      window.acquire(WINDOW);
      window.release(WINDOW);
      if (nacked) {
        throw new IllegalStateException("RabbitMQ nacked a publish");
      }
    }
  }

  private double rawProduce(Connection connection, String type, String topic, byte[] payload)
      throws Exception {
    try (Channel ch = connection.createChannel()) {
      declare(ch, type, topic);
      ConfirmWindow confirms = new ConfirmWindow(ch);
      long start = System.nanoTime();
      for (int i = 0; i < messages; i++) {
        confirms.publish(ch, topic, payload);
      }
      confirms.awaitAll();
      double rate = Rounds.perSecond(messages, System.nanoTime() - start);
      delete(ch, topic);
      return rate;
    }
  }

  private double agentmqProduce(MessageQueue queue, String topic, byte[] payload) throws Exception {
    queue.admin().createTopic(TopicSpec.of(topic, 1));
    Semaphore window = new Semaphore(WINDOW);
    try (Producer producer = queue.createProducer()) {
      long start = System.nanoTime();
      for (int i = 0; i < messages; i++) {
        window.acquire();
        producer.send(topic, Message.of(payload)).whenComplete((r, e) -> window.release());
      }
      window.acquire(WINDOW);
      double rate = Rounds.perSecond(messages, System.nanoTime() - start);
      queue.admin().deleteTopic(topic);
      return rate;
    }
  }

  private double rawEndToEnd(Connection connection, String type, String topic, byte[] payload)
      throws Exception {
    Arrivals arrivals = new Arrivals(messages + 1L);
    try (Channel publish = connection.createChannel();
        Channel consume = connection.createChannel()) {
      String queueName = declare(publish, type, topic);
      consumeAcking(consume, queueName, body -> arrivals.add(1));
      ConfirmWindow confirms = new ConfirmWindow(publish);
      confirms.publish(publish, topic, payload);
      arrivals.await(arrivals.first);
      long start = System.nanoTime();
      for (int i = 0; i < messages; i++) {
        confirms.publish(publish, topic, payload);
      }
      arrivals.await(arrivals.last);
      double rate = Rounds.perSecond(messages, System.nanoTime() - start);
      confirms.awaitAll();
      delete(publish, topic);
      return rate;
    }
  }

  private double agentmqEndToEnd(MessageQueue queue, String topic, byte[] payload)
      throws Exception {
    Arrivals arrivals = new Arrivals(messages + 1L);
    Semaphore window = new Semaphore(WINDOW);
    try (Producer producer = queue.createProducer();
        var consumer =
            queue.subscribe(
                Subscription.to(topic).group(GROUP).handler(d -> arrivals.add(1)).build())) {
      producer.sendAndWait(topic, Message.of(payload));
      arrivals.await(arrivals.first);
      long start = System.nanoTime();
      for (int i = 0; i < messages; i++) {
        window.acquire();
        producer.send(topic, Message.of(payload)).whenComplete((r, e) -> window.release());
      }
      arrivals.await(arrivals.last);
      double rate = Rounds.perSecond(messages, System.nanoTime() - start);
      window.acquire(WINDOW);
      consumer.close();
      queue.admin().deleteTopic(topic);
      return rate;
    }
  }
}
