package io.agentmq.amqp;

import com.rabbitmq.client.Channel;
import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import io.agentmq.api.Outcome;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscriber;
import io.agentmq.api.SubscriberStatus;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.Settlement;
import io.agentmq.spi.support.DeliveryEngine;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
 * {@code mq-id}, in this process) are acked without handling.
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
  private final Lane[] lanes;
  private final boolean exactlyOnce;
  private final Dedup dedup;
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
    this.exactlyOnce = settings.deliveryMode() == DeliveryMode.EXACTLY_ONCE;
    this.dedup = new Dedup(config.dedupWindow);
    for (String topic : settings.topics()) {
      topicByQueue.put(queue.topology().declareGroupQueue(topic, settings.group()), topic);
    }
    try {
      this.channel = queue.consumingConnection().createChannel();
      channel.basicQos(config.prefetch);
    } catch (IOException e) {
      throw new MessagingException("opening a consumer channel failed: " + e, true, e);
    }
    this.lanes = new Lane[settings.concurrency()];
    for (int i = 0; i < lanes.length; i++) {
      lanes[i] = new Lane("agentmq-amqp-" + settings.group() + "-" + i);
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
      throw new MessagingException(
          "consuming from " + topicByQueue.keySet() + " failed: " + e, true, e);
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
      attempt = count.intValue() + 1; // quorum queues count broker redeliveries
    }
    String laneKey = message.key().orElse(message.id());
    Lane lane = lanes[Math.floorMod(laneKey.hashCode(), lanes.length)];
    lane.inbox.add(new Inbound(topic, message, delivery.getEnvelope().getDeliveryTag(), attempt));
  }

  private record Inbound(String topic, Message message, long tag, int attempt) {}

  /** Wakes a lane waiting for work when the consumer closes. */
  private static final Inbound STOP = new Inbound("", Message.of(new byte[0]), -1, 0);

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
    for (Lane lane : lanes) {
      inFlight += lane.inbox.size() + (lane.busySince != 0 ? 1 : 0);
      long busy = lane.busySince;
      if (busy != 0 && now - busy > settings.stallTimeout().toNanos()) {
        problem =
            "a handler on "
                + lane.thread.getName()
                + " has run longer than consumer.stall_timeout_ms";
      }
      if (!lane.thread.isAlive() && !closed.get()) {
        problem = "consumer thread " + lane.thread.getName() + " died";
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
    for (Lane lane : lanes) {
      lane.stop();
    }
    for (Lane lane : lanes) {
      long remaining = deadline - System.nanoTime();
      if (remaining > 0 && lane.thread != Thread.currentThread()) {
        try {
          TimeUnit.NANOSECONDS.timedJoin(lane.thread, remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    // Delivered to this consumer but never handled: back to the queue, for the group's next one.
    for (Lane lane : lanes) {
      Inbound left;
      while ((left = lane.inbox.poll()) != null) {
        if (left != STOP) {
          nack(left.tag());
        }
      }
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

  /**
   * Acks a delivery. If the channel is gone (the connection dropped), there is nothing to ack: the
   * broker redelivers the message (a duplicate at worst), so this is logged, not thrown.
   */
  private void ack(long tag) {
    synchronized (channel) {
      try {
        channel.basicAck(tag, false);
      } catch (IOException | RuntimeException e) {
        log.debug(
            "Ack of delivery {} not sent ({}); RabbitMQ will redeliver it", tag, e.toString());
      }
    }
  }

  private void nack(long tag) {
    synchronized (channel) {
      try {
        channel.basicNack(tag, false, true);
      } catch (IOException | RuntimeException e) {
        log.debug("Returning a delivery to its queue failed; the broker returns it on close", e);
      }
    }
  }

  /** One sequential worker: its deliveries, handled in order, retried in place. */
  private final class Lane implements Settlement<InFlight> {
    final BlockingQueue<Inbound> inbox = new LinkedBlockingQueue<>();
    final Thread thread;
    private final DeliveryEngine<InFlight> engine = new DeliveryEngine<>(settings, this);
    private volatile boolean running = true;
    volatile long busySince;

    Lane(String name) {
      thread = new Thread(this::run, name);
      thread.setDaemon(true);
      thread.start();
    }

    /**
     * Stops after the running handler, which is never interrupted: it finishes and is acknowledged.
     * A lane waiting for work or for a retry's backoff is woken.
     */
    void stop() {
      running = false;
      inbox.add(STOP);
      synchronized (this) {
        notifyAll();
      }
    }

    private void run() {
      while (running) {
        Inbound next;
        try {
          next = inbox.take();
        } catch (InterruptedException e) {
          return;
        }
        if (next == STOP) {
          continue;
        }
        if (!running) {
          inbox.add(next); // returned to the queue by close()
          break;
        }
        try {
          handle(next);
        } catch (Throwable t) {
          // The lane must outlive any one message; the message goes back to the queue.
          log.error("Handling delivery {} failed unexpectedly; returning it", next.tag(), t);
          nack(next.tag());
          if (t instanceof VirtualMachineError error) {
            throw error;
          }
        }
      }
    }

    private void handle(Inbound inbound) {
      int attempt = inbound.attempt();
      while (true) {
        if (exactlyOnce && dedup.seen(inbound.message().id())) {
          ack(inbound.tag()); // handled before, within the de-duplication window
          return;
        }
        Message message =
            attempt > 1
                ? inbound.message().withHeader(Headers.ATTEMPT, Integer.toString(attempt))
                : inbound.message();
        Producer producer = engine.handlerProducer(queue.handlerProducer());
        Delivery delivery =
            new Delivery(message, inbound.topic(), -1, -1, settings.group(), attempt, producer);
        InFlight inFlight = new InFlight(inbound);
        busySince = System.nanoTime();
        Outcome outcome;
        try {
          outcome = engine.process(delivery, inFlight).join();
        } finally {
          busySince = 0;
          Thread.interrupted(); // a handler may leave the flag set
        }
        if (outcome != Outcome.REDELIVERY_SCHEDULED) {
          return;
        }
        if (!running) {
          nack(inbound.tag()); // closing: the group's next consumer retries it
          return;
        }
        if (!awaitBackoff(inFlight.retryDelay) || !running) {
          nack(inbound.tag()); // closing: the group's next consumer retries it
          return;
        }
        attempt++;
      }
    }

    /** Waits out a retry's backoff; false if interrupted. {@link #stop()} ends it early. */
    private synchronized boolean awaitBackoff(Duration delay) {
      long deadline = System.nanoTime() + delay.toNanos();
      try {
        long remaining;
        while (running && (remaining = deadline - System.nanoTime()) > 0) {
          TimeUnit.NANOSECONDS.timedWait(this, remaining);
        }
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    @Override
    public void acknowledge(Delivery delivery, InFlight inFlight) {
      ack(inFlight.inbound.tag()); // at-most-once: before the handler runs (the engine's order)
    }

    /** Exactly-once: the outputs are confirmed, and the id remembered, before the ack. */
    @Override
    public void publishOutputs(Delivery delivery, InFlight inFlight, List<Output> outputs) {
      CompletableFuture<?>[] confirms = new CompletableFuture<?>[outputs.size()];
      for (int i = 0; i < confirms.length; i++) {
        confirms[i] = queue.publisher().publish(outputs.get(i).topic(), outputs.get(i).message());
      }
      CompletableFuture.allOf(confirms).join();
      dedup.remember(delivery.id());
    }

    /** The lane waits out the delay itself, holding the delivery (see the class comment). */
    @Override
    public void redeliver(Delivery delivery, InFlight inFlight, Duration delay) {
      inFlight.retryDelay = delay;
    }

    @Override
    public CompletionStage<?> publishDeadLetter(
        String topic, Message deadLetter, Delivery original, InFlight inFlight) {
      return queue.publisher().publish(topic, deadLetter);
    }
  }

  /** One delivery in a lane's hands: the engine's handle for it. */
  private static final class InFlight {
    final Inbound inbound;

    /** Set when the engine schedules a redelivery; the lane waits this long, then retries. */
    Duration retryDelay;

    InFlight(Inbound inbound) {
      this.inbound = inbound;
    }
  }

  /** Ids handled within a time window, oldest first. */
  private static final class Dedup {
    private final long windowNanos;
    private final LinkedHashMap<String, Long> handled = new LinkedHashMap<>();

    Dedup(Duration window) {
      this.windowNanos = window.toNanos();
    }

    synchronized boolean seen(String id) {
      long now = System.nanoTime();
      var it = handled.entrySet().iterator();
      while (it.hasNext() && now - it.next().getValue() > windowNanos) {
        it.remove();
      }
      return handled.containsKey(id);
    }

    synchronized void remember(String id) {
      handled.put(id, System.nanoTime());
    }
  }
}
