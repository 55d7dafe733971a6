package io.agentmq.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.agentmq.agents.PipelineTopics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The raw pipeline on amqp-client, on the topology and settings the AgentMQ RabbitMQ backend uses
 * by default: a durable topic exchange per topic, a durable classic queue per (topic, group) named
 * {@code <topic>.<group>} bound with {@code #}, one connection for publishing and one for
 * consuming; persistent, mandatory publishes routed by the key, with publisher confirms; consumers
 * with manual acks and prefetch 100, each delivery acknowledged once every output of it is
 * confirmed. {@link #close()} deletes the queues and exchanges.
 */
final class RawAmqpPipeline extends RawPipeline {
  /** {@code amqp.prefetch} by default. */
  static final int PREFETCH = 100;

  private final Connection publishing;
  private final Connection consuming;
  private final Publisher submissions;
  private final List<String> queues = new ArrayList<>();

  private RawAmqpPipeline(String url, PipelineTopics topics, Duration requestTimeout)
      throws Exception {
    super(topics, requestTimeout);
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(url);
    this.publishing = factory.newConnection("agentmq-bench-raw-publish");
    try {
      this.consuming = factory.newConnection("agentmq-bench-raw-consume");
      this.submissions = new Publisher(publishing.createChannel());
    } catch (Exception e) {
      publishing.close();
      throw e;
    }
  }

  /** A factory of raw pipelines on the RabbitMQ at {@code url}. */
  static Factory on(String url) {
    return (topics, requestTimeout, partitions) -> { // queues have no partitions
      RawAmqpPipeline pipeline = new RawAmqpPipeline(url, topics, requestTimeout);
      try {
        pipeline.declareAndConsume();
        return pipeline;
      } catch (Exception | Error e) {
        pipeline.close();
        throw e;
      }
    };
  }

  private void declareAndConsume() throws IOException {
    String groups = "raw-";
    try (Channel ch = publishing.createChannel()) {
      for (String topic : topics.all()) {
        ch.exchangeDeclare(topic, BuiltinExchangeType.TOPIC, true);
      }
      for (Agent agent : Agent.values()) {
        for (String topic : agent.inputs(topics)) {
          String queue = topic + "." + agent.group(groups);
          ch.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "classic"));
          ch.queueBind(queue, topic, "#");
          queues.add(queue);
        }
      }
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("closing the declaring channel timed out", e);
    }
    for (String queue : queues) {
      consume(queue);
    }
  }

  /**
   * Consumes {@code queue} on a channel of its own; a hop's outputs go out on a publishing channel
   * of the same consumer, and the delivery is acknowledged when the last of them is confirmed.
   */
  private void consume(String queue) throws IOException {
    Channel channel = consuming.createChannel();
    Publisher outputs = new Publisher(publishing.createChannel());
    String topic = queue.substring(0, queue.lastIndexOf('.'));
    channel.basicQos(PREFETCH);
    channel.basicConsume(
        queue,
        false,
        new DefaultConsumer(channel) {
          @Override
          public void handleDelivery(
              String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            long delivery = envelope.getDeliveryTag();
            try {
              List<Output> out = handle(topic, body);
              if (out.isEmpty()) {
                channel.basicAck(delivery, false);
                return;
              }
              AtomicInteger unconfirmed = new AtomicInteger(out.size());
              for (Output o : out) {
                outputs
                    .publish(o)
                    .whenComplete(
                        (ok, e) -> {
                          if (e != null) {
                            fail(e);
                          } else if (unconfirmed.decrementAndGet() == 0) {
                            ack(channel, delivery);
                          }
                        });
              }
            } catch (Exception e) {
              fail(e);
            }
          }
        });
  }

  private void ack(Channel channel, long delivery) {
    try {
      channel.basicAck(delivery, false);
    } catch (IOException e) {
      fail(e);
    }
  }

  @Override
  protected CompletableFuture<Void> send(Output output) {
    return submissions.publish(output);
  }

  /** Closes both connections (and so every channel), then deletes the queues and exchanges. */
  @Override
  public void close() throws Exception {
    orchestrator().close();
    try {
      if (consuming != null && consuming.isOpen()) {
        consuming.close();
      }
      if (publishing.isOpen()) {
        try (Channel ch = publishing.createChannel()) {
          for (String queue : queues) {
            ch.queueDelete(queue);
          }
          for (String topic : topics.all()) {
            ch.exchangeDelete(topic);
          }
        }
      }
    } finally {
      queues.clear();
      if (publishing.isOpen()) {
        publishing.close();
      }
    }
  }

  /**
   * A publishing channel in confirm mode: each publish's future completes at its confirm, fails at
   * a nack or the channel's close; a return (no queue bound) fails the pipeline. Publishes are
   * serialised on the channel, so sequence numbers and publishes stay paired.
   */
  private final class Publisher {
    private final Channel channel;
    private final ConcurrentNavigableMap<Long, CompletableFuture<Void>> unconfirmed =
        new ConcurrentSkipListMap<>();

    Publisher(Channel channel) throws IOException {
      this.channel = channel;
      channel.confirmSelect();
      channel.addConfirmListener(
          (tag, multiple) -> settle(tag, multiple, null),
          (tag, multiple) ->
              settle(tag, multiple, new IllegalStateException("RabbitMQ nacked publish " + tag)));
      // Every queue is declared before the first publish: a return is a broken topology.
      channel.addReturnListener(
          r ->
              fail(
                  new IllegalStateException(
                      "RabbitMQ returned a publish to '"
                          + r.getExchange()
                          + "': "
                          + r.getReplyText())));
      channel.addShutdownListener(
          cause -> {
            CompletableFuture<Void> f;
            while ((f = pollFirst()) != null) {
              f.completeExceptionally(cause);
            }
          });
    }

    private CompletableFuture<Void> pollFirst() {
      Map.Entry<Long, CompletableFuture<Void>> e = unconfirmed.pollFirstEntry();
      return e == null ? null : e.getValue();
    }

    private void settle(long tag, boolean multiple, Exception nack) {
      Map<Long, CompletableFuture<Void>> done =
          multiple ? unconfirmed.headMap(tag, true) : unconfirmed.subMap(tag, true, tag, true);
      for (Long seq : List.copyOf(done.keySet())) {
        CompletableFuture<Void> f = unconfirmed.remove(seq);
        if (f != null) {
          if (nack == null) {
            f.complete(null);
          } else {
            f.completeExceptionally(nack);
          }
        }
      }
    }

    synchronized CompletableFuture<Void> publish(Output output) {
      CompletableFuture<Void> confirmed = new CompletableFuture<>();
      long seq = channel.getNextPublishSeqNo();
      unconfirmed.put(seq, confirmed);
      AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
      try {
        channel.basicPublish(output.topic(), output.key(), true, props, output.value());
      } catch (IOException | RuntimeException e) {
        unconfirmed.remove(seq);
        confirmed.completeExceptionally(e);
      }
      return confirmed;
    }
  }
}
