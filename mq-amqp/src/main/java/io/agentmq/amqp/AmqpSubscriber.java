package io.agentmq.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import io.agentmq.amqp.LaneWorker.Inbound;
import io.agentmq.api.DeliveryMode;
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
 * confirms before the ack, and a message whose id the group already handled (recorded in the {@code
 * amqp.idempotency_store}, durable when it is a database) is acked without handling.
 *
 * <p>Losing the subscription: a dropped connection is recovered by the client with its channels and
 * consumers. When RabbitMQ closes only the channel (e.g. {@code consumer_timeout}: a delivery held
 * unacknowledged too long by a slow handler or a retry's backoff, 406 PRECONDITION_FAILED) or
 * cancels a consumer (its queue was deleted), the {@link Resubscriber} opens a new channel,
 * declares the queues and bindings again as at subscribe time (the topic's exchange must still
 * exist) and consumes again, with backoff from 100 ms doubling to 10 s. Each channel is a new
 * {@link ConsumerChannel} generation: RabbitMQ requeued what the lost one carried, so lanes skip
 * its deliveries still queued and drop the ack or nack of one still being handled (counted in the
 * details {@code settlementsDropped} and {@code deliveriesSkipped}); the message comes again on the
 * new channel, a duplicate under at-least-once. Until it consumes again {@link #status()} is DOWN
 * with the cause and the attempt. {@link #close()} never triggers a resubscription.
 *
 * <p>This class is the facade: it subscribes and cancels, dispatches deliveries to its {@link
 * LaneWorker}s by key, and answers pause, resume, status and close. {@link HandledMessages} keeps
 * the group's records in the idempotency store.
 */
final class AmqpSubscriber implements Subscriber {
  private static final Logger log = LoggerFactory.getLogger(AmqpSubscriber.class);

  private final ConsumerSettings settings;
  private final AmqpMessageQueue queue;
  private final AmqpConfig config;
  private final Consumer<? super AmqpSubscriber> onClose;
  private final ConsumerChannel channel;
  private final Resubscriber resubscriber;
  private final Map<String, String> topicByQueue = new LinkedHashMap<>();
  private final List<String> consumerTags = new ArrayList<>();
  private final LaneWorker[] lanes;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean paused;
  private volatile long lastDeliveryNanos = System.nanoTime();

  AmqpSubscriber(
      ConsumerSettings settings, AmqpMessageQueue queue, Consumer<? super AmqpSubscriber> onClose) {
    this.settings = settings;
    this.queue = queue;
    this.config = queue.amqpConfig();
    this.onClose = onClose;
    for (String topic : settings.topics()) {
      topicByQueue.put(queue.topology().declareGroupQueue(topic, settings.group()), topic);
    }
    Channel first;
    try {
      first = openChannel();
    } catch (IOException e) {
      throw MessagingException.retriable("opening a consumer channel failed: " + e, e);
    }
    this.channel = new ConsumerChannel(first);
    this.resubscriber =
        new Resubscriber(
            "agentmq-amqp-" + settings.group() + "-resubscribe",
            new Resubscriber.Target() {
              @Override
              public boolean retire(long generation) {
                return AmqpSubscriber.this.retire(generation);
              }

              @Override
              public void reopen() throws IOException {
                AmqpSubscriber.this.reopen();
              }
            });
    HandledMessages handled =
        new HandledMessages(
            queue.idempotencyStore(),
            config.virtualHost() + "/" + settings.group(),
            settings.deliveryMode() == DeliveryMode.EXACTLY_ONCE);
    this.lanes = new LaneWorker[settings.concurrency()];
    for (int i = 0; i < lanes.length; i++) {
      String name = "agentmq-amqp-" + settings.group() + "-" + i;
      lanes[i] = new LaneWorker(name, settings, queue, channel, handled);
      lanes[i].start();
    }
    watch(first, channel.generation());
    startConsuming();
  }

  private Channel openChannel() throws IOException {
    Channel opened = queue.consumingConnection().createChannel();
    opened.basicQos(config.prefetch);
    return opened;
  }

  /** Reports a channel RabbitMQ closes, not one closed by this subscriber or a lost connection. */
  private void watch(Channel opened, long generation) {
    opened.addShutdownListener(
        signal -> {
          // A lost connection is recovered by the client with its channels and consumers.
          if (!signal.isInitiatedByApplication() && !signal.isHardError()) {
            resubscriber.lost(generation, "channel closed by RabbitMQ: " + reason(signal));
          }
        });
  }

  private static String reason(ShutdownSignalException signal) {
    return signal.getReason() instanceof AMQP.Channel.Close close
        ? close.getReplyText()
        : String.valueOf(signal.getMessage());
  }

  /** What went wrong with a channel operation: RabbitMQ's reply text when it closed the channel. */
  private static String describe(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ShutdownSignalException signal) {
        return reason(signal);
      }
    }
    return e.toString();
  }

  /** The resubscriber's first step: this generation's deliveries are no longer settled. */
  private boolean retire(long generation) {
    Channel lost;
    synchronized (this) {
      lost = channel.retire(generation);
      if (lost == null) {
        return false;
      }
      consumerTags.clear();
    }
    for (LaneWorker lane : lanes) {
      lane.wake();
    }
    abort(lost); // RabbitMQ requeues what it carried; the client forgets its consumers
    return true;
  }

  /** The resubscriber's attempt: a new channel, the declarations of subscribe time, consumers. */
  private void reopen() throws IOException {
    Channel opened = openChannel();
    try {
      for (Map.Entry<String, String> q : topicByQueue.entrySet()) {
        // Passive: a deleted topic is not re-created by a subscriber (404 closes this channel).
        opened.exchangeDeclarePassive(q.getValue());
        queue.topology().declareGroupQueue(q.getValue(), settings.group());
      }
    } catch (IOException | RuntimeException e) {
      abort(opened);
      throw new IOException("declaring " + topicByQueue.keySet() + " failed: " + describe(e), e);
    }
    synchronized (this) {
      if (closed.get()) {
        abort(opened);
        return;
      }
      long generation = channel.install(opened);
      watch(opened, generation);
      if (!paused) {
        try {
          startConsuming();
        } catch (RuntimeException e) {
          channel.retire(generation);
          consumerTags.clear();
          abort(opened);
          throw e;
        }
      }
    }
  }

  private static void abort(Channel ch) {
    try {
      ch.abort();
    } catch (IOException | RuntimeException e) {
      log.debug("Closing a consumer channel failed", e);
    }
  }

  private synchronized void startConsuming() {
    Optional<Channel> current = channel.channel();
    if (current.isEmpty()) {
      return; // resubscribing: consumes once the new channel is open
    }
    Channel ch = current.get();
    long generation = channel.generation();
    try {
      for (Map.Entry<String, String> q : topicByQueue.entrySet()) {
        String topic = q.getValue();
        String name = q.getKey();
        consumerTags.add(
            // Manual acks in every mode: with auto-ack RabbitMQ ignores the prefetch and pushes the
            // whole backlog, and what is pushed counts as acknowledged before it is handled.
            ch.basicConsume(
                name,
                false,
                (tag, delivery) -> dispatch(topic, name, generation, delivery),
                tag ->
                    resubscriber.lost(
                        generation,
                        "RabbitMQ cancelled the consumer of queue "
                            + name
                            + " (the queue was deleted or is unavailable)")));
      }
    } catch (IOException | RuntimeException e) {
      throw MessagingException.retriable(
          "consuming from " + topicByQueue.keySet() + " failed: " + describe(e), e);
    }
  }

  private synchronized void stopConsuming() {
    Optional<Channel> current = channel.channel();
    for (String tag : consumerTags) {
      try {
        if (current.isPresent()) {
          current.get().basicCancel(tag);
        }
      } catch (IOException | RuntimeException e) {
        log.debug("Cancelling consumer {} failed", tag, e);
      }
    }
    consumerTags.clear();
  }

  private void dispatch(
      String topic, String queueName, long generation, com.rabbitmq.client.Delivery delivery) {
    lastDeliveryNanos = System.nanoTime();
    Message message =
        AmqpCodec.fromDelivery(
            delivery.getProperties(),
            delivery.getBody(),
            delivery.getEnvelope().getDeliveryTag(),
            queueName,
            delivery.getEnvelope().getRoutingKey());
    int attempt = 1;
    Map<String, Object> headers = delivery.getProperties().getHeaders();
    if (headers != null && headers.get("x-delivery-count") instanceof Number count) {
      // Quorum queues count broker redeliveries, but also those of prefetched messages no handler
      // saw when a consumer died: never so many that the engine would give up without handling it.
      attempt = Math.min(count.intValue() + 1, settings.retryPolicy().maxRetries() + 1);
    }
    String laneKey = message.key().orElse(message.id());
    LaneWorker lane = lanes[Math.floorMod(laneKey.hashCode(), lanes.length)];
    lane.enqueue(
        new Inbound(
            topic,
            message,
            generation,
            delivery.getEnvelope().getDeliveryTag(),
            attempt,
            delivery.getEnvelope().isRedeliver()));
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

  /**
   * As {@link Subscriber#status()}; also DOWN while resubscribing after RabbitMQ closed the channel
   * or cancelled a consumer (the cause and the attempt), and while the connection is being
   * recovered. Details: {@code resubscriptions}, {@code lastChannelLoss} (once one happened),
   * {@code settlementsDropped} and {@code deliveriesSkipped} (of channels lost since).
   */
  @Override
  public SubscriberStatus status() {
    long now = System.nanoTime();
    long inFlight = 0;
    String problem =
        closed.get()
            ? "closed"
            : resubscriber
                .problem()
                .orElse(
                    channel.channel().map(Channel::isOpen).orElse(false)
                        ? null
                        : queue.consumingConnection().isOpen()
                            ? "consumer channel closed"
                            : "connection to RabbitMQ lost; recovering");
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
    OptionalLong depths = OptionalLong.empty();
    if (!closed.get()) {
      long depth = 0;
      for (String name : topicByQueue.keySet()) {
        long d = queue.topology().depth(name);
        depth = d < 0 || depth < 0 ? -1 : depth + d;
      }
      depths = depth < 0 ? OptionalLong.empty() : OptionalLong.of(depth);
    }
    OptionalLong lag = depths;
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("resubscriptions", resubscriber.resubscriptions());
    resubscriber.lastLoss().ifPresent(loss -> details.put("lastChannelLoss", loss));
    details.put("settlementsDropped", channel.settlementsDropped());
    details.put("deliveriesSkipped", channel.deliveriesSkipped());
    return new SubscriberStatus(
        settings.group(),
        settings.topics(),
        paused,
        Duration.ofNanos(now - lastDeliveryNanos),
        inFlight,
        lag,
        settings.observation().timeLags(),
        Optional.ofNullable(problem).or(() -> settings.observation().stall(paused, lag)),
        details);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      resubscriber.close();
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
    channel
        .channel()
        .ifPresent(
            ch -> {
              try {
                if (ch.isOpen()) {
                  ch.close();
                }
              } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
                log.debug("Closing the consumer channel failed", e);
              }
            });
    onClose.accept(this);
  }
}
