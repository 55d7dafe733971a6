package io.agentmq.amqp;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Publishes with confirms over a small pool of channels (a channel is never used by two threads at
 * once; the messages of one key always go through the same channel, so they keep their order, a
 * connection loss included). Each publish is persistent and {@code mandatory}: a message no queue
 * would take comes back and fails its future instead of vanishing. Futures complete on the broker's
 * ack, fail on a nack or a return, and fail after {@code producer.send_timeout_ms}. A publish that
 * meets a lost connection, or was unconfirmed when its channel closed, goes to its channel's
 * backlog and is published again (a duplicate at worst) until the send timeout; while a backlog
 * waits, later publishes of that channel queue behind it, so the backlog goes out in publish order
 * before them.
 *
 * <p>Each opening of a channel has its own bookkeeping ({@link Incarnation}): confirms and returns
 * of one never touch the publishes of another. RabbitMQ sends a publish's {@code basic.return}
 * before its {@code basic.ack}, and in publish order, so a return belongs to the earliest
 * unconfirmed, not yet returned publish of its channel with the same exchange, routing key and
 * message id; nothing needs to travel in the message to match it.
 */
final class AmqpPublisher implements AutoCloseable {
  private static final long RETRY_MILLIS = 100;

  private final Connection connection;
  private final long sendTimeoutNanos;
  private final ScheduledExecutorService timer;
  private final ExecutorService drainers;
  private final Function<String, Void> ensureExchange;
  private final AtomicLong nextChannel = new AtomicLong();
  private final List<PublishChannel> channels = new CopyOnWriteArrayList<>();
  private final Set<Pending> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicLong publishOrder = new AtomicLong();

  private final class Pending {
    final String exchange;
    final Message message;
    final String routingKey;
    final com.rabbitmq.client.AMQP.BasicProperties properties;
    final CompletableFuture<DeliveryReport> result = new CompletableFuture<>();
    final long deadline;

    /** When {@link #publish} was called, relative to the others: a backlog keeps this order. */
    final long order = publishOrder.incrementAndGet();

    Pending(String exchange, String routingKey, Message message) {
      this.exchange = exchange;
      this.message = message;
      this.routingKey = routingKey;
      // Routed by something else than its key (a wait queue's name): the key rides in a header.
      this.properties =
          AmqpCodec.toProperties(message, !routingKey.equals(AmqpCodec.routingKey(message)));
      this.deadline = System.nanoTime() + sendTimeoutNanos;
    }
  }

  AmqpPublisher(
      Connection connection,
      int channelCount,
      long sendTimeoutNanos,
      ScheduledExecutorService timer,
      Function<String, Void> ensureExchange)
      throws IOException {
    this.connection = connection;
    this.sendTimeoutNanos = sendTimeoutNanos;
    this.timer = timer;
    this.drainers =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "agentmq-amqp-publish-drainer");
              t.setDaemon(true);
              return t;
            });
    this.ensureExchange = ensureExchange;
    for (int i = 0; i < channelCount; i++) {
      PublishChannel channel = new PublishChannel();
      channels.add(channel);
    }
    timer.scheduleWithFixedDelay(this::expire, 1, 1, TimeUnit.SECONDS);
  }

  /** Publishes to the exchange of {@code topic}; the future completes on the broker's confirm. */
  CompletableFuture<DeliveryReport> publish(String topic, Message message) {
    return publish(topic, AmqpCodec.routingKey(message), message);
  }

  /**
   * Publishes to {@code exchange} ({@code ""}: the default exchange, straight to the queue named
   * {@code routingKey}) with {@code routingKey}; confirmed as {@link #publish(String, Message)}.
   */
  CompletableFuture<DeliveryReport> publish(String exchange, String routingKey, Message message) {
    Pending pending = new Pending(exchange, routingKey, message);
    inFlight.add(pending);
    pending.result.whenComplete((r, e) -> inFlight.remove(pending));
    try {
      if (!exchange.isEmpty()) {
        ensureExchange.apply(exchange);
      }
      send(pending);
    } catch (RuntimeException e) {
      pending.result.completeExceptionally(e);
    }
    return pending.result;
  }

  private void send(Pending pending) {
    long remaining = pending.deadline - System.nanoTime();
    if (remaining <= 0) {
      timeout(pending);
      return;
    }
    PublishChannel channel;
    try {
      channel = lockChannel(pending, remaining);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pending.result.completeExceptionally(
          MessagingException.retriable("interrupted while publishing " + pending.message.id(), e));
      return;
    }
    if (channel == null) {
      timeout(pending);
      return;
    }
    try {
      channel.publishInOrder(pending);
    } finally {
      channel.lock.unlock();
    }
  }

  /**
   * Locks the channel to publish on, or returns null after {@code nanos}. A key's messages always
   * take the same channel, as RabbitMQ keeps the order of one channel's publishes only; others take
   * the first free channel from a rotating start.
   */
  private PublishChannel lockChannel(Pending pending, long nanos) throws InterruptedException {
    int n = channels.size();
    Optional<String> key = pending.message.key();
    int first =
        key.isPresent()
            ? Math.floorMod(key.get().hashCode(), n)
            : (int) Math.floorMod(nextChannel.getAndIncrement(), (long) n);
    if (key.isEmpty()) {
      for (int i = 0; i < n; i++) {
        PublishChannel c = channels.get((first + i) % n);
        if (c.lock.tryLock()) {
          return c;
        }
      }
    }
    PublishChannel c = channels.get(first);
    return c.lock.tryLock(nanos, TimeUnit.NANOSECONDS) ? c : null;
  }

  private static void closedError(Pending pending) {
    pending.result.completeExceptionally(
        MessagingException.retriable(
            "message " + pending.message.id() + " was not confirmed: the MessageQueue closed"));
  }

  private void timeout(Pending pending) {
    pending.result.completeExceptionally(
        MessagingException.retriable(
            "message "
                + pending.message.id()
                + " to '"
                + pending.exchange
                + "' was not confirmed by RabbitMQ within producer.send_timeout_ms = "
                + TimeUnit.NANOSECONDS.toMillis(sendTimeoutNanos)
                + " ms"));
  }

  private void expire() {
    long now = System.nanoTime();
    for (Pending p : inFlight) {
      if (p.deadline - now < 0) {
        timeout(p);
      }
    }
  }

  /** Waits until every publish made so far is confirmed, returned or failed. */
  void flush() {
    for (Pending p : List.copyOf(inFlight)) {
      try {
        p.result.handle((r, e) -> null).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (java.util.concurrent.ExecutionException ignored) {
        // failures are reported through the future
      }
    }
  }

  /** Flushes (bounded by the send timeout), fails what is left, closes the channels. */
  @Override
  public void close() {
    flush();
    drainers.shutdownNow();
    for (Pending p : List.copyOf(inFlight)) {
      closedError(p);
    }
    for (PublishChannel channel : channels) {
      channel.close();
    }
  }

  /** One opening of a channel in confirm mode, with its own unconfirmed and returned publishes. */
  private final class Incarnation {
    final PublishChannel slot;
    final Channel channel;
    final NavigableMap<Long, Pending> unconfirmed = new ConcurrentSkipListMap<>();

    /** Sequence numbers of unconfirmed publishes RabbitMQ returned. */
    final Set<Long> returned = ConcurrentHashMap.newKeySet();

    /** RabbitMQ refused a publish on this channel: the next publish opens a new one. */
    volatile boolean nacked;

    Incarnation(PublishChannel slot, Channel channel) throws IOException {
      this.slot = slot;
      this.channel = channel;
      channel.confirmSelect();
      channel.addConfirmListener(this::acked, this::nacked);
      channel.addReturnListener(
          r -> {
            for (Map.Entry<Long, Pending> e : unconfirmed.entrySet()) {
              Pending p = e.getValue();
              if (p.exchange.equals(r.getExchange())
                  && p.routingKey.equals(r.getRoutingKey())
                  && p.message.id().equals(r.getProperties().getMessageId())
                  && returned.add(e.getKey())) {
                return;
              }
            }
          });
      channel.addShutdownListener(
          cause -> {
            // Unconfirmed publishes may be lost: the slot publishes them again, before anything
            // published after them (auto-recovery reopens the connection's channels; a channel
            // closed by an error is replaced on the next use). Lock-free: a publisher holding the
            // slot's lock may be waiting for this thread, and its publish fails on the closed
            // channel and joins the backlog in its own place.
            Map.Entry<Long, Pending> e;
            while ((e = unconfirmed.pollFirstEntry()) != null) {
              slot.enqueue(e.getValue());
            }
            returned.clear();
            slot.startDrainer();
          });
    }

    void publish(Pending p) throws IOException {
      long seq = channel.getNextPublishSeqNo();
      unconfirmed.put(seq, p);
      try {
        channel.basicPublish(p.exchange, p.routingKey, true, p.properties, p.message.payload());
      } catch (IOException | RuntimeException e) {
        unconfirmed.remove(seq);
        throw e;
      }
    }

    private void acked(long seq, boolean multiple) {
      for (Map.Entry<Long, Pending> e : take(seq, multiple)) {
        Pending p = e.getValue();
        if (returned.remove(e.getKey())) {
          p.result.completeExceptionally(
              MessagingException.permanent(
                  "no queue is bound to topic '"
                      + p.exchange
                      + "', so RabbitMQ returned message "
                      + p.message.id()
                      + ": subscribe a consumer group first or declare it in topics.<topic>.groups"
                      + " (topic:group)"));
        } else {
          p.result.complete(new DeliveryReport(p.exchange, p.message.id(), -1, -1));
        }
      }
    }

    private void nacked(long seq, boolean multiple) {
      nacked = true;
      for (Map.Entry<Long, Pending> e : take(seq, multiple)) {
        Pending p = e.getValue();
        returned.remove(e.getKey());
        p.result.completeExceptionally(
            MessagingException.retriable(
                "RabbitMQ refused message " + p.message.id() + " to '" + p.exchange + "' (nack)"));
      }
    }

    private List<Map.Entry<Long, Pending>> take(long seq, boolean multiple) {
      if (!multiple) {
        Pending p = unconfirmed.remove(seq);
        return p == null ? List.of() : List.of(Map.entry(seq, p));
      }
      NavigableMap<Long, Pending> head = unconfirmed.headMap(seq, true);
      List<Map.Entry<Long, Pending>> taken = List.copyOf(head.entrySet());
      // Later publishes have higher numbers: the view holds exactly what was taken.
      head.clear();
      return taken;
    }
  }

  /**
   * A slot of the pool: its current incarnation, replaced when a channel error closed it, and its
   * backlog, the publishes waiting for the connection, sent again in publish order by one drainer
   * at a time before any later publish of the slot.
   */
  private final class PublishChannel {
    /** Held while publishing: a channel is never used by two threads at once. */
    final ReentrantLock lock = new ReentrantLock();

    /** By {@link Pending#order}; while not empty, new publishes join it instead of the channel. */
    private final ConcurrentSkipListMap<Long, Pending> backlog = new ConcurrentSkipListMap<>();

    private final AtomicBoolean draining = new AtomicBoolean();
    private Incarnation current;

    PublishChannel() throws IOException {
      current = new Incarnation(this, connection.createChannel());
    }

    /**
     * Publishes, or queues behind the backlog while there is one; the caller holds {@link #lock}.
     */
    void publishInOrder(Pending p) {
      if (backlog.isEmpty()) {
        publishNow(p);
      } else {
        enqueue(p);
        startDrainer();
      }
    }

    /**
     * Publishes on the channel; returns false, with {@code p} in the backlog, if the connection is
     * down or recovering. The caller holds {@link #lock}.
     */
    private boolean publishNow(Pending p) {
      try {
        if (current.nacked && connection.isOpen()) {
          // RabbitMQ refused a publish on it: a quorum queue that lost its majority keeps refusing
          // a channel's publishes after the majority is back, while a new channel's go through.
          // Its unconfirmed publishes join the backlog (the shutdown listener) and go again.
          current.channel.abort();
          if (!backlog.isEmpty()) {
            enqueue(p); // behind nothing published before it: the backlog goes first, in order
            startDrainer();
            return false;
          }
        }
        if (!current.channel.isOpen() && connection.isOpen()) {
          // Closed by a channel error, not by the connection: auto-recovery will not reopen it.
          current = new Incarnation(this, connection.createChannel());
        }
        current.publish(p);
        return true;
      } catch (IOException | ShutdownSignalException e) {
        enqueue(p);
        startDrainer();
        return false;
      } catch (RuntimeException e) {
        p.result.completeExceptionally(
            MessagingException.retriable("publishing " + p.message.id() + " failed: " + e, e));
        return true;
      }
    }

    /** Puts {@code p} in the backlog, in its place, until it is published again or completes. */
    void enqueue(Pending p) {
      if (backlog.putIfAbsent(p.order, p) == null) {
        p.result.whenComplete((r, e) -> backlog.remove(p.order, p));
      }
    }

    /** Starts the drainer unless it runs already; thread-safe. */
    void startDrainer() {
      if (!backlog.isEmpty() && draining.compareAndSet(false, true)) {
        try {
          drainers.execute(this::drain);
        } catch (RejectedExecutionException e) {
          failBacklog();
        }
      }
    }

    /**
     * Publishes the backlog from its head, holding {@link #lock} until it is empty (so no new
     * publish passes its last one); while the connection is down, tries again shortly, off the
     * timer thread, as a publish may block while the broker recovers.
     */
    private void drain() {
      while (true) {
        lock.lock();
        try {
          Map.Entry<Long, Pending> head;
          while ((head = backlog.pollFirstEntry()) != null) {
            Pending p = head.getValue();
            if (p.result.isDone()) {
              continue;
            }
            if (p.deadline - System.nanoTime() <= 0) {
              timeout(p);
            } else if (!publishNow(p)) {
              drainLater();
              return;
            }
          }
          draining.set(false);
        } finally {
          lock.unlock();
        }
        // The shutdown listener enqueues without the lock: if its startDrainer came while this
        // drainer was finishing, this drainer picks its publishes up.
        if (backlog.isEmpty() || !draining.compareAndSet(false, true)) {
          return;
        }
      }
    }

    private void drainLater() {
      try {
        timer.schedule(
            () -> {
              try {
                drainers.execute(this::drain);
              } catch (RejectedExecutionException e) {
                failBacklog();
              }
            },
            RETRY_MILLIS,
            TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        failBacklog();
      }
    }

    /** The publisher closed: nothing in the backlog will be published. */
    private void failBacklog() {
      Map.Entry<Long, Pending> e;
      while ((e = backlog.pollFirstEntry()) != null) {
        closedError(e.getValue());
      }
    }

    void close() {
      lock.lock();
      try {
        if (current.channel.isOpen()) {
          current.channel.close();
        }
      } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
        // closing anyway
      } finally {
        lock.unlock();
      }
    }
  }
}
