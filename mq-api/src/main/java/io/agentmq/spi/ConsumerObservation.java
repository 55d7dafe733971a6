package io.agentmq.spi;

import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryObserver;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingObserver;
import io.agentmq.api.Outcome;
import io.agentmq.api.SubscriberStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one subscriber's deliveries did, kept where every backend's engine reports it: it tells the
 * queue's {@link MessagingObserver}s and the subscription's {@link DeliveryObserver} of each
 * delivery, and keeps per partition (RabbitMQ: per queue) the time lag and when the subscriber last
 * made progress, for its status and health. Thread-safe; one per subscriber.
 */
public final class ConsumerObservation {
  private static final Logger log = LoggerFactory.getLogger(ConsumerObservation.class);

  /**
   * How long after its last delivery was settled a partition still reports that delivery's wait as
   * its time lag (the next one is normally under way by then); after it, the partition is caught
   * up.
   */
  static final long CAUGHT_UP_NANOS = TimeUnit.SECONDS.toNanos(1);

  /**
   * How long after it was due a redelivery that did not start here no longer holds its lane behind:
   * the partition went to another consumer, which has it now.
   */
  static final long REDELIVERY_GRACE_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final MessagingObservers observers;
  private final DeliveryObserver subscriptionObserver;
  private final Duration stallTimeout;
  private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
  private volatile long lastProgressNanos = System.nanoTime();
  private volatile long waitingUntilNanos = lastProgressNanos;

  /**
   * @param observers the queue's observers (live: added and removed ones count from then on)
   * @param subscriptionObserver the subscription's own observer
   * @param stallTimeout how long without progress, while messages wait, is a problem
   */
  public ConsumerObservation(
      MessagingObservers observers, DeliveryObserver subscriptionObserver, Duration stallTimeout) {
    this.observers = observers;
    this.subscriptionObserver = subscriptionObserver;
    this.stallTimeout = stallTimeout;
  }

  /** Only the subscription's observer: for consumers outside a queue (tests, tools). */
  public static ConsumerObservation of(DeliveryObserver subscriptionObserver, Duration stall) {
    return new ConsumerObservation(new MessagingObservers(), subscriptionObserver, stall);
  }

  /** The partition's (RabbitMQ: queue's) record; an engine keeps the one it handles. */
  public Lane lane(String topic, int partition) {
    return lanes.computeIfAbsent(topic + '\u0000' + partition, k -> new Lane(topic, partition));
  }

  /**
   * A delivery of {@code lane} is handed to the handler; returns its start, to pass to {@link
   * #settled}. {@code lane} is null for a delivery that has none of its own (a parked retry).
   */
  public long delivered(Lane lane, Delivery delivery) {
    long now = System.nanoTime();
    lastProgressNanos = now;
    if (lane != null) {
      lane.started(delivery.message().timestampMillis(), delivery.attempt() > 1);
    }
    if (!observers.isEmpty()) {
      observers.delivered(delivery);
    }
    return now;
  }

  /** The observers' scope around the handler's call ({@link MessagingObserver#handling}). */
  public MessagingObserver.Scope handling(Delivery delivery) {
    return observers.isEmpty() ? MessagingObserver.Scope.NONE : observers.handling(delivery);
  }

  /**
   * A dead letter or parked retry sent through {@code send}, the observers told as of any send
   * ({@link MessagingObservers#publish}).
   */
  public <T> CompletableFuture<T> publish(
      String topic, Message message, Function<Message, CompletableFuture<T>> send) {
    return observers.publish(topic, message, send);
  }

  /** A delivery handed out by {@link #delivered} was settled with {@code outcome}. */
  public void settled(
      Lane lane, Delivery delivery, Outcome outcome, Throwable failure, long startNanos) {
    long now = System.nanoTime();
    lastProgressNanos = now;
    if (lane != null) {
      lane.settled(now, outcome == Outcome.REDELIVERY_SCHEDULED);
    }
    if (subscriptionObserver != DeliveryObserver.NONE) {
      try {
        subscriptionObserver.settled(delivery, outcome, Optional.ofNullable(failure));
      } catch (RuntimeException e) {
        log.warn("The delivery observer failed on message {}: {}", delivery.id(), e.toString());
      }
    }
    if (!observers.isEmpty()) {
      observers.settled(delivery, outcome, Optional.ofNullable(failure), now - startNanos);
    }
  }

  /**
   * A delivery waits {@code delay} on purpose (a retry's backoff, a parked retry read early): no
   * progress until then is no stall.
   */
  public void waiting(Duration delay) {
    long until = System.nanoTime() + delay.toNanos();
    if (until - waitingUntilNanos > 0) {
      waitingUntilNanos = until;
    }
  }

  /** The time lag of every partition (queue) the subscriber has handled from, now. */
  public List<SubscriberStatus.TimeLag> timeLags() {
    long nowNanos = System.nanoTime();
    long nowMillis = System.currentTimeMillis();
    List<SubscriberStatus.TimeLag> all = new ArrayList<>(lanes.size());
    for (Lane lane : lanes.values()) {
      all.add(
          new SubscriberStatus.TimeLag(
              lane.topic, lane.partition, Duration.ofMillis(lane.ageMillis(nowMillis, nowNanos))));
    }
    return all;
  }

  /**
   * A stall the backend's own checks cannot see: messages wait ({@code lag} above zero) and none
   * was handed out or settled for {@code consumer.stall_timeout_ms} since the last retry backoff
   * ended, while not paused. Empty otherwise (and when the lag is unknown).
   */
  public Optional<String> stall(boolean paused, OptionalLong lag) {
    if (paused || lag.isEmpty() || lag.getAsLong() == 0) {
      return Optional.empty();
    }
    long now = System.nanoTime();
    long since = waitingUntilNanos - lastProgressNanos > 0 ? waitingUntilNanos : lastProgressNanos;
    long idle = now - since;
    if (idle <= stallTimeout.toNanos()) {
      return Optional.empty();
    }
    return Optional.of(
        "no message handled for "
            + TimeUnit.NANOSECONDS.toMillis(idle)
            + " ms while "
            + lag.getAsLong()
            + " wait (consumer.stall_timeout_ms = "
            + stallTimeout.toMillis()
            + ")");
  }

  /** One partition's (queue's) deliveries: what its time lag is read from. */
  public static final class Lane {
    private final String topic;
    private final int partition;

    /** Deliveries in a handler or waiting for their redelivery. */
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Deliveries settled for a redelivery that has not started yet (still in flight). */
    private final AtomicInteger redeliveries = new AtomicInteger();

    private volatile long lastStartedTimestamp;
    private volatile long lastWaitMillis;
    private volatile long lastSettledNanos;
    private volatile long redeliveryDeadlineNanos;

    Lane(String topic, int partition) {
      this.topic = topic;
      this.partition = partition;
    }

    public String topic() {
      return topic;
    }

    public int partition() {
      return partition;
    }

    void started(long publishedMillis, boolean again) {
      if (!again || redeliveries.getAndUpdate(n -> n > 0 ? n - 1 : 0) == 0) {
        inFlight.incrementAndGet(); // else: a redelivery, still counted from its first attempt
      }
      lastStartedTimestamp = publishedMillis;
      lastWaitMillis = Math.max(0, System.currentTimeMillis() - publishedMillis);
    }

    /** A delivery of this lane is to be delivered again after {@code delay}. */
    public void redeliveryIn(Duration delay) {
      long deadline = System.nanoTime() + delay.toNanos() + REDELIVERY_GRACE_NANOS;
      if (redeliveries.get() == 0 || deadline - redeliveryDeadlineNanos > 0) {
        redeliveryDeadlineNanos = deadline;
      }
    }

    /**
     * @param redelivered whether it is to be delivered again: it stays unhandled (and in flight)
     */
    void settled(long nowNanos, boolean redelivered) {
      lastSettledNanos = nowNanos;
      if (redelivered) {
        redeliveries.incrementAndGet();
      } else {
        inFlight.decrementAndGet();
      }
    }

    /**
     * A delivery in a handler or waiting for its redelivery: the newest started one's age (older
     * ones in flight are at most a little older). None: the last one's wait, until {@link
     * #CAUGHT_UP_NANOS} passed without another.
     */
    long ageMillis(long nowMillis, long nowNanos) {
      int pending = inFlight.get();
      boolean redeliveriesGone =
          pending > 0 && pending <= redeliveries.get() && nowNanos - redeliveryDeadlineNanos > 0;
      if (pending > 0 && !redeliveriesGone) {
        return Math.max(0, nowMillis - lastStartedTimestamp);
      }
      if (lastSettledNanos != 0 && nowNanos - lastSettledNanos < CAUGHT_UP_NANOS) {
        return lastWaitMillis;
      }
      return 0;
    }
  }
}
