package io.agentmq.amqp;

import com.rabbitmq.client.Channel;
import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.Outcome;
import io.agentmq.api.Producer;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.Settlement;
import io.agentmq.spi.support.DeliveryEngine;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lane of an {@link AmqpSubscriber}: a thread that handles the deliveries dispatched to it one
 * at a time, in arrival order, and settles them on the subscriber's channel, retrying in place.
 *
 * <p>A retry keeps the delivery unacknowledged and this thread waits out the backoff, so the other
 * keys of the lane wait too; the channel, the other lanes and heartbeats go on.
 */
final class LaneWorker implements Settlement<LaneWorker.InFlight> {
  private static final Logger log = LoggerFactory.getLogger(LaneWorker.class);

  /** Wakes a lane waiting for work when the consumer closes. */
  private static final Inbound STOP = new Inbound("", Message.of(new byte[0]), -1, 0);

  private final ConsumerSettings settings;
  private final AmqpMessageQueue queue;
  private final Channel channel;
  private final DeliveryDedup dedup;
  private final boolean exactlyOnce;
  private final BlockingQueue<Inbound> inbox = new LinkedBlockingQueue<>();
  private final DeliveryEngine<InFlight> engine;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long busySince;

  /** A delivery as dispatched to a lane, with its delivery tag and attempt number. */
  record Inbound(String topic, Message message, long tag, int attempt) {}

  /** One delivery in a lane's hands: the engine's handle for it. */
  static final class InFlight {
    final Inbound inbound;

    /** Set when the engine schedules a redelivery; the lane waits this long, then retries. */
    Duration retryDelay;

    /** The attempt the engine gives the redelivery. */
    int nextAttempt;

    InFlight(Inbound inbound) {
      this.inbound = inbound;
    }
  }

  LaneWorker(
      String name,
      ConsumerSettings settings,
      AmqpMessageQueue queue,
      Channel channel,
      DeliveryDedup dedup) {
    this.settings = settings;
    this.queue = queue;
    this.channel = channel;
    this.dedup = dedup;
    this.exactlyOnce = settings.deliveryMode() == DeliveryMode.EXACTLY_ONCE;
    this.engine = new DeliveryEngine<>(settings, this);
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Queues a delivery behind the lane's others (called on the channel's dispatch thread). */
  void enqueue(Inbound inbound) {
    inbox.add(inbound);
  }

  String name() {
    return thread.getName();
  }

  boolean isAlive() {
    return thread.isAlive();
  }

  /** When the running handler started; 0 when none runs. */
  long busySince() {
    return busySince;
  }

  /** Deliveries this lane holds: queued, plus the one being handled. */
  int pending() {
    return inbox.size() + (busySince != 0 ? 1 : 0);
  }

  /**
   * Stops after the running handler, which is never interrupted: it finishes and is acknowledged. A
   * lane waiting for work or for a retry's backoff is woken.
   */
  void stop() {
    running = false;
    inbox.add(STOP);
    synchronized (this) {
      notifyAll();
    }
  }

  /** Waits until the thread ends, or {@code deadlineNanos} (a {@link System#nanoTime} value). */
  void awaitStop(long deadlineNanos) {
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining > 0 && thread != Thread.currentThread()) {
      try {
        TimeUnit.NANOSECONDS.timedJoin(thread, remaining);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Delivered to this lane but never handled: back to the queue, for the group's next consumer. */
  void returnUnhandled() {
    Inbound left;
    while ((left = inbox.poll()) != null) {
      if (left != STOP) {
        nack(left.tag());
      }
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
      attempt = inFlight.nextAttempt;
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
  public void redeliver(Delivery delivery, InFlight inFlight, Duration delay, int attempt) {
    inFlight.retryDelay = delay;
    inFlight.nextAttempt = attempt;
  }

  @Override
  public CompletionStage<?> publishDeadLetter(
      String topic, Message deadLetter, Delivery original, InFlight inFlight) {
    return queue.publisher().publish(topic, deadLetter);
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
}
