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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Publishes with confirms over a small pool of channels (a channel is never used by two threads at
 * once; the messages of one key always go through the same channel, so they keep their order,
 * except that a publish retried after a connection loss may land after later ones of its key). Each
 * publish is persistent and {@code mandatory}: a message no queue would take comes back and fails
 * its future instead of vanishing. Futures complete on the broker's ack, fail on a nack or a
 * return, and fail after {@code producer.send_timeout_ms}. A publish that meets a lost connection,
 * or was unconfirmed when its channel closed, is published again (a duplicate at worst) until the
 * send timeout.
 *
 * <p>Each opening of a channel has its own bookkeeping ({@link Incarnation}): confirms and returns
 * of one never touch the publishes of another, and every publish carries a unique {@value
 * #PUBLISH_ID} header, so a returned message is matched exactly even if the same message id is
 * published twice.
 */
final class AmqpPublisher implements AutoCloseable {
  /** Unique per publish attempt; matches a basic.return to its publish. */
  static final String PUBLISH_ID = AmqpCodec.PUBLISH_ID;

  private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Connection connection;
  private final long sendTimeoutNanos;
  private final ScheduledExecutorService timer;
  private final ExecutorService retries;
  private final Function<String, Void> ensureExchange;
  private final AtomicLong nextChannel = new AtomicLong();
  private final List<PublishChannel> channels = new CopyOnWriteArrayList<>();
  private final Set<Pending> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicLong publishCounter = new AtomicLong();

  private final class Pending {
    final String exchange;
    final Message message;
    final CompletableFuture<DeliveryReport> result = new CompletableFuture<>();
    final long deadline;

    Pending(String exchange, Message message) {
      this.exchange = exchange;
      this.message = message;
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
    this.retries =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "agentmq-amqp-publish-retry");
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
    Pending pending = new Pending(topic, message);
    inFlight.add(pending);
    pending.result.whenComplete((r, e) -> inFlight.remove(pending));
    try {
      ensureExchange.apply(topic);
      attempt(pending);
    } catch (RuntimeException e) {
      pending.result.completeExceptionally(e);
    }
    return pending.result;
  }

  private void attempt(Pending pending) {
    if (pending.result.isDone()) {
      return;
    }
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
      channel.publish(pending);
    } catch (IOException | ShutdownSignalException e) {
      retryLater(pending); // the connection is down or recovering
    } catch (RuntimeException e) {
      pending.result.completeExceptionally(
          MessagingException.retriable("publishing " + pending.message.id() + " failed: " + e, e));
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

  /** Tries again shortly, off the timer thread (a publish may block while the broker recovers). */
  private void retryLater(Pending pending) {
    try {
      timer.schedule(
          () -> {
            try {
              retries.execute(() -> attempt(pending));
            } catch (RejectedExecutionException e) {
              closedError(pending);
            }
          },
          RETRY_NANOS,
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      closedError(pending);
    }
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
    retries.shutdownNow();
    for (Pending p : List.copyOf(inFlight)) {
      closedError(p);
    }
    for (PublishChannel channel : channels) {
      channel.close();
    }
  }

  /** One opening of a channel in confirm mode, with its own unconfirmed and returned publishes. */
  private final class Incarnation {
    final Channel channel;
    final NavigableMap<Long, Pending> unconfirmed = new ConcurrentSkipListMap<>();
    final Map<Long, String> publishIds = new ConcurrentHashMap<>();
    final Set<String> returned = ConcurrentHashMap.newKeySet();

    Incarnation(Channel channel) throws IOException {
      this.channel = channel;
      channel.confirmSelect();
      channel.addConfirmListener(this::acked, this::nacked);
      channel.addReturnListener(
          r -> {
            Object id =
                r.getProperties().getHeaders() == null
                    ? null
                    : r.getProperties().getHeaders().get(PUBLISH_ID);
            if (id != null) {
              returned.add(id.toString());
            }
          });
      channel.addShutdownListener(
          cause -> {
            // Unconfirmed publishes may be lost: publish them again (auto-recovery reopens the
            // connection's channels; a channel closed by an error is replaced on the next use).
            Map.Entry<Long, Pending> e;
            while ((e = unconfirmed.pollFirstEntry()) != null) {
              retryLater(e.getValue());
            }
            returned.clear();
            publishIds.clear();
          });
    }

    void publish(Pending p) throws IOException {
      long seq = channel.getNextPublishSeqNo();
      String publishId = Long.toString(publishCounter.incrementAndGet());
      unconfirmed.put(seq, p);
      publishIds.put(seq, publishId);
      try {
        channel.basicPublish(
            p.exchange,
            "",
            true,
            AmqpCodec.toProperties(p.message, publishId),
            p.message.payload());
      } catch (IOException | RuntimeException e) {
        unconfirmed.remove(seq);
        publishIds.remove(seq);
        throw e;
      }
    }

    private void acked(long seq, boolean multiple) {
      for (Map.Entry<Long, Pending> e : take(seq, multiple)) {
        Pending p = e.getValue();
        String publishId = publishIds.remove(e.getKey());
        if (publishId != null && returned.remove(publishId)) {
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
      for (Map.Entry<Long, Pending> e : take(seq, multiple)) {
        Pending p = e.getValue();
        String publishId = publishIds.remove(e.getKey());
        if (publishId != null) {
          returned.remove(publishId);
        }
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

  /** A slot of the pool: its current incarnation, replaced when a channel error closed it. */
  private final class PublishChannel {
    /** Held while publishing: a channel is never used by two threads at once. */
    final java.util.concurrent.locks.ReentrantLock lock =
        new java.util.concurrent.locks.ReentrantLock();

    private Incarnation current;

    PublishChannel() throws IOException {
      current = new Incarnation(connection.createChannel());
    }

    /** Publishes; the caller holds {@link #lock}. */
    void publish(Pending p) throws IOException {
      if (!current.channel.isOpen() && connection.isOpen()) {
        // Closed by a channel error, not by the connection: auto-recovery will not reopen it.
        current = new Incarnation(connection.createChannel());
      }
      current.publish(p);
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
