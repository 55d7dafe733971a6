package io.agentmq.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import java.io.IOException;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Publishes with confirms over a small pool of channels (a channel is never used by two threads at
 * once). Each publish is persistent and {@code mandatory}: a message no queue would take comes back
 * and fails its future instead of vanishing. Futures complete on the broker's ack, fail on a nack
 * or a return, and fail after {@code producer.send_timeout_ms}. A publish that meets a lost
 * connection, or was unconfirmed when the connection dropped, is published again once the
 * connection recovers (a duplicate at worst), until the send timeout.
 */
final class AmqpPublisher implements AutoCloseable {
  private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Connection connection;
  private final long sendTimeoutNanos;
  private final ScheduledExecutorService timer;
  private final Function<String, Void> ensureExchange;
  private final BlockingQueue<PublishChannel> idle = new LinkedBlockingQueue<>();
  private final List<PublishChannel> channels = new CopyOnWriteArrayList<>();

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
    this.ensureExchange = ensureExchange;
    for (int i = 0; i < channelCount; i++) {
      PublishChannel channel = new PublishChannel();
      channels.add(channel);
      idle.add(channel);
    }
    timer.scheduleWithFixedDelay(this::expire, 1, 1, TimeUnit.SECONDS);
  }

  /** Publishes to the exchange of {@code topic}; the future completes on the broker's confirm. */
  CompletableFuture<DeliveryReport> publish(String topic, Message message) {
    Pending pending = new Pending(topic, message);
    try {
      ensureExchange.apply(topic);
    } catch (RuntimeException e) {
      pending.result.completeExceptionally(e);
      return pending.result;
    }
    attempt(pending);
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
      channel = idle.poll(remaining, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pending.result.completeExceptionally(
          new MessagingException("interrupted while publishing " + pending.message.id(), true, e));
      return;
    }
    if (channel == null) {
      timeout(pending);
      return;
    }
    try {
      channel.publish(pending);
    } catch (IOException | ShutdownSignalException e) {
      // The connection is down or recovering: try again shortly, until the send timeout.
      timer.schedule(() -> attempt(pending), RETRY_NANOS, TimeUnit.NANOSECONDS);
    } finally {
      idle.add(channel);
    }
  }

  private void timeout(Pending pending) {
    pending.result.completeExceptionally(
        new MessagingException(
            "message "
                + pending.message.id()
                + " to '"
                + pending.exchange
                + "' was not confirmed by RabbitMQ within producer.send_timeout_ms = "
                + TimeUnit.NANOSECONDS.toMillis(sendTimeoutNanos)
                + " ms",
            true));
  }

  private void expire() {
    long now = System.nanoTime();
    for (PublishChannel channel : channels) {
      channel
          .unconfirmed
          .values()
          .removeIf(
              p -> {
                if (p.deadline - now < 0) {
                  timeout(p);
                  return true;
                }
                return false;
              });
    }
  }

  /** Waits until every publish made so far is confirmed, returned or failed. */
  void flush() {
    for (PublishChannel channel : channels) {
      for (Pending p : List.copyOf(channel.unconfirmed.values())) {
        try {
          p.result.handle((r, e) -> null).get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (java.util.concurrent.ExecutionException ignored) {
          // handled above
        }
      }
    }
  }

  @Override
  public void close() {
    flush();
    for (PublishChannel channel : channels) {
      channel.close();
    }
  }

  static AMQP.BasicProperties properties(Message message) {
    Map<String, Object> headers = new HashMap<>(message.headers());
    headers.put(Headers.ID, message.id());
    headers.put(Headers.TIMESTAMP, Long.toString(message.timestampMillis()));
    message.key().ifPresent(key -> headers.put(AmqpMessages.KEY_HEADER, key));
    return new AMQP.BasicProperties.Builder()
        .messageId(message.id())
        .timestamp(new Date(message.timestampMillis()))
        .contentType(message.headers().get(Headers.CONTENT_TYPE))
        .deliveryMode(2)
        .headers(headers)
        .build();
  }

  /** One channel in confirm mode and its unconfirmed publishes. */
  private final class PublishChannel {
    private volatile Channel channel;
    final NavigableMap<Long, Pending> unconfirmed = new ConcurrentSkipListMap<>();
    private final Set<String> returned = ConcurrentHashMap.newKeySet();

    PublishChannel() throws IOException {
      open();
    }

    private void open() throws IOException {
      Channel ch = connection.createChannel();
      ch.confirmSelect();
      ch.addConfirmListener(this::acked, this::nacked);
      ch.addReturnListener(r -> returned.add(r.getProperties().getMessageId()));
      ch.addShutdownListener(
          cause -> {
            // Unconfirmed publishes may be lost: publish them again (auto-recovery reopens the
            // channel; a channel closed by an error is replaced on the next publish).
            for (Pending p : unconfirmed.values()) {
              timer.schedule(() -> attempt(p), RETRY_NANOS, TimeUnit.NANOSECONDS);
            }
            unconfirmed.clear();
          });
      channel = ch;
    }

    synchronized void publish(Pending p) throws IOException {
      if (!channel.isOpen() && connection.isOpen()) {
        open(); // closed by a channel error, not by the connection: auto-recovery will not reopen
        // it
      }
      long seq = channel.getNextPublishSeqNo();
      unconfirmed.put(seq, p);
      try {
        channel.basicPublish(p.exchange, "", true, properties(p.message), p.message.payload());
      } catch (IOException | RuntimeException e) {
        unconfirmed.remove(seq);
        throw e;
      }
    }

    private void acked(long seq, boolean multiple) {
      for (Pending p : take(seq, multiple)) {
        if (returned.remove(p.message.id())) {
          p.result.completeExceptionally(
              new MessagingException(
                  "no queue is bound to topic '"
                      + p.exchange
                      + "', so RabbitMQ returned message "
                      + p.message.id()
                      + ": subscribe a consumer group first or declare it in amqp.required_groups"
                      + " (topic:group)",
                  false));
        } else {
          p.result.complete(new DeliveryReport(p.exchange, p.message.id(), -1, -1));
        }
      }
    }

    private void nacked(long seq, boolean multiple) {
      for (Pending p : take(seq, multiple)) {
        p.result.completeExceptionally(
            new MessagingException(
                "RabbitMQ refused message " + p.message.id() + " to '" + p.exchange + "' (nack)",
                true));
      }
    }

    private List<Pending> take(long seq, boolean multiple) {
      if (!multiple) {
        Pending p = unconfirmed.remove(seq);
        return p == null ? List.of() : List.of(p);
      }
      NavigableMap<Long, Pending> head = unconfirmed.headMap(seq, true);
      List<Pending> taken = List.copyOf(head.values());
      head.clear();
      return taken;
    }

    void close() {
      try {
        if (channel.isOpen()) {
          channel.close();
        }
      } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
        // closing anyway
      }
    }
  }
}
