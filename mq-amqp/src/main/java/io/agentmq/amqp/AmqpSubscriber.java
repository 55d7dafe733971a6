package io.agentmq.amqp;

import com.rabbitmq.client.Channel;
import io.agentmq.amqp.LaneWorker.Inbound;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import io.agentmq.api.Subscriber;
import io.agentmq.api.SubscriberStatus;
import io.agentmq.spi.ConsumerSettings;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription on RabbitMQ: one channel with manual acks and {@code amqp.prefetch}, one queue
 * {@code <topic>.<group>} per topic. Deliveries are spread over {@code concurrency} lanes by key
 * (or id), each lane handling its messages one at a time in arrival order, so a key's messages keep
 * their order within a consumer.
 *
 * <p>A retry keeps the message unacknowledged and handles it again on its lane after the backoff
 * (the lane waits; the channel, acks of other lanes and heartbeats go on), counting attempts in
 * {@code mq-attempt}. Dead letters are published with confirms to {@code <topic>.deadletter} before
 * the original is acked, so a broker dying in between leaves a duplicate, never a loss.
 * At-most-once acks before the handler runs (manual acks still, so the prefetch bounds what is
 * pushed). Exactly-once is "effectively once": the handler's sends are staged, published with
 * confirms before the ack, and messages already handled within {@code amqp.dedup_window_ms} (by
 * {@code mq-id}, in this subscriber) are acked without handling.
 *
 * <p>This class is the facade: it subscribes and cancels, dispatches deliveries to its {@link
 * LaneWorker}s by key, and answers pause, resume, status and close. {@link DeliveryDedup} keeps the
 * ids already handled.
 */
final class AmqpSubscriber implements Subscriber {
  private static final Logger log = LoggerFactory.getLogger(AmqpSubscriber.class);

  private final ConsumerSettings settings;
  private final AmqpMessageQueue queue;
  private final AmqpConfig config;
  private final Consumer<? super AmqpSubscriber> onClose;
  private final Channel channel;
  private final Map<String, String> topicByQueue = new LinkedHashMap<>();
  private final List<String> consumerTags = new ArrayList<>();
  private final LaneWorker[] lanes;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean paused;
  private volatile long lastDeliveryNanos = System.nanoTime();
  private volatile String cancelledBy;

  AmqpSubscriber(
      ConsumerSettings settings, AmqpMessageQueue queue, Consumer<? super AmqpSubscriber> onClose) {
    this.settings = settings;
    this.queue = queue;
    this.config = queue.amqpConfig();
    this.onClose = onClose;
    for (String topic : settings.topics()) {
      topicByQueue.put(queue.topology().declareGroupQueue(topic, settings.group()), topic);
    }
    try {
      this.channel = queue.consumingConnection().createChannel();
      channel.basicQos(config.prefetch);
    } catch (IOException e) {
      throw MessagingException.retriable("opening a consumer channel failed: " + e, e);
    }
    DeliveryDedup dedup = new DeliveryDedup(config.dedupWindow);
    this.lanes = new LaneWorker[settings.concurrency()];
    for (int i = 0; i < lanes.length; i++) {
      String name = "agentmq-amqp-" + settings.group() + "-" + i;
      lanes[i] = new LaneWorker(name, settings, queue, channel, dedup);
      lanes[i].start();
    }
    startConsuming();
  }

  private synchronized void startConsuming() {
    try {
      for (Map.Entry<String, String> q : topicByQueue.entrySet()) {
        String topic = q.getValue();
        String name = q.getKey();
        consumerTags.add(
            // Manual acks in every mode: with auto-ack RabbitMQ ignores the prefetch and pushes the
            // whole backlog, and what is pushed counts as acknowledged before it is handled.
            channel.basicConsume(
                name,
                false,
                (tag, delivery) -> dispatch(topic, name, delivery),
                tag -> {
                  cancelledBy = "RabbitMQ cancelled the consumer of queue " + name;
                  log.warn(cancelledBy);
                }));
      }
    } catch (IOException e) {
      throw MessagingException.retriable(
          "consuming from " + topicByQueue.keySet() + " failed: " + e, e);
    }
  }

  private synchronized void stopConsuming() {
    for (String tag : consumerTags) {
      try {
        channel.basicCancel(tag);
      } catch (IOException | RuntimeException e) {
        log.debug("Cancelling consumer {} failed", tag, e);
      }
    }
    consumerTags.clear();
  }

  private void dispatch(String topic, String queueName, com.rabbitmq.client.Delivery delivery) {
    lastDeliveryNanos = System.nanoTime();
    Message message =
        AmqpCodec.fromDelivery(
            delivery.getProperties(),
            delivery.getBody(),
            delivery.getEnvelope().getDeliveryTag(),
            queueName);
    int attempt = 1;
    Map<String, Object> headers = delivery.getProperties().getHeaders();
    if (headers != null && headers.get("x-delivery-count") instanceof Number count) {
      // Quorum queues count broker redeliveries, but also those of prefetched messages no handler
      // saw when a consumer died: never so many that the engine would give up without handling it.
      attempt = Math.min(count.intValue() + 1, settings.retryPolicy().maxRetries() + 1);
    }
    String laneKey = message.key().orElse(message.id());
    LaneWorker lane = lanes[Math.floorMod(laneKey.hashCode(), lanes.length)];
    lane.enqueue(new Inbound(topic, message, delivery.getEnvelope().getDeliveryTag(), attempt));
  }

  @Override
  public List<String> topics() {
    return settings.topics();
  }

  @Override
  public String group() {
    return settings.group();
  }

  @Override
  public synchronized void pause() {
    if (!paused && !closed.get()) {
      paused = true;
      stopConsuming();
    }
  }

  @Override
  public synchronized void resume() {
    if (paused && !closed.get()) {
      paused = false;
      startConsuming();
    }
  }

  @Override
  public boolean isPaused() {
    return paused;
  }

  @Override
  public SubscriberStatus status() {
    long now = System.nanoTime();
    long inFlight = 0;
    String problem =
        closed.get() ? "closed" : !channel.isOpen() ? "consumer channel closed" : cancelledBy;
    for (LaneWorker lane : lanes) {
      inFlight += lane.pending();
      long busy = lane.busySince();
      if (busy != 0 && now - busy > settings.stallTimeout().toNanos()) {
        problem = "a handler on " + lane.name() + " has run longer than consumer.stall_timeout_ms";
      }
      if (!lane.isAlive() && !closed.get()) {
        problem = "consumer thread " + lane.name() + " died";
      }
    }
    OptionalLong lag = OptionalLong.empty();
    if (!closed.get()) {
      long depth = 0;
      for (String name : topicByQueue.keySet()) {
        long d = queue.topology().depth(name);
        depth = d < 0 || depth < 0 ? -1 : depth + d;
      }
      lag = depth < 0 ? OptionalLong.empty() : OptionalLong.of(depth);
    }
    return new SubscriberStatus(
        settings.group(),
        settings.topics(),
        paused,
        Duration.ofNanos(now - lastDeliveryNanos),
        inFlight,
        lag,
        Optional.ofNullable(problem),
        Map.of());
  }

  @Override
  public void close() {
    synchronized (this) {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      stopConsuming();
    }
    long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
    for (LaneWorker lane : lanes) {
      lane.stop();
    }
    for (LaneWorker lane : lanes) {
      lane.awaitStop(deadline);
    }
    // Delivered to this consumer but never handled: back to the queue, for the group's next one.
    for (LaneWorker lane : lanes) {
      lane.returnUnhandled();
    }
    try {
      if (channel.isOpen()) {
        channel.close();
      }
    } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
      log.debug("Closing the consumer channel failed", e);
    }
    onClose.accept(this);
  }
}
