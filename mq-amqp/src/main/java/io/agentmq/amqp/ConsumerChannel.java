package io.agentmq.amqp;

import com.rabbitmq.client.Channel;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channel an {@link AmqpSubscriber} consumes on, numbered by generation: each opening after a
 * lost one is a new generation, and an ack or nack for a delivery of an earlier generation is
 * dropped, since delivery tags mean something only on the channel that carried them (RabbitMQ
 * requeued those deliveries when their channel went).
 *
 * <p>Thread-safe: lanes settle from their own threads while the subscriber retires and installs
 * channels; frames on one channel are sent one at a time.
 */
final class ConsumerChannel {
  private static final Logger log = LoggerFactory.getLogger(ConsumerChannel.class);

  /** One generation: its channel, or none between a loss and the next opening. */
  private record Opening(Channel channel, long generation) {}

  private volatile Opening current;
  private final AtomicLong settlementsDropped = new AtomicLong();
  private final AtomicLong deliveriesSkipped = new AtomicLong();

  ConsumerChannel(Channel first) {
    this.current = new Opening(first, 1);
  }

  /** The generation deliveries consumed now belong to. */
  long generation() {
    return current.generation();
  }

  /** The current channel; empty between a loss and the next opening. */
  Optional<Channel> channel() {
    return Optional.ofNullable(current.channel());
  }

  /** Whether deliveries of {@code generation} came on a channel that is gone. */
  boolean isRetired(long generation) {
    return generation != current.generation();
  }

  /**
   * Ends {@code generation}: its deliveries are no longer settled. Returns its channel for the
   * caller to close, or null if that generation had already ended (a second report of one loss).
   */
  synchronized Channel retire(long generation) {
    Opening was = current;
    if (was.generation() != generation || was.channel() == null) {
      return null;
    }
    current = new Opening(null, generation + 1);
    return was.channel();
  }

  /** Makes {@code channel} the one of the current generation, after {@link #retire}; returns it. */
  synchronized long install(Channel channel) {
    if (current.channel() != null) {
      throw new IllegalStateException(
          "generation " + current.generation() + " still has a channel");
    }
    current = new Opening(channel, current.generation());
    return current.generation();
  }

  /** Acks a delivery, unless its channel was retired. */
  void ack(long generation, long tag) {
    settle(generation, tag, true);
  }

  /** Returns a delivery to its queue, unless its channel was retired (RabbitMQ did it already). */
  void nack(long generation, long tag) {
    settle(generation, tag, false);
  }

  /** Counts a delivery not handled because its channel was retired; RabbitMQ delivers it again. */
  void skipped(long generation, long tag) {
    deliveriesSkipped.incrementAndGet();
    log.debug(
        "Delivery {} of channel generation {} skipped: that channel is gone and RabbitMQ"
            + " requeued it",
        tag,
        generation);
  }

  /** Acks and nacks not sent because their channel was retired. */
  long settlementsDropped() {
    return settlementsDropped.get();
  }

  /** Deliveries not handled because their channel was retired before their turn. */
  long deliveriesSkipped() {
    return deliveriesSkipped.get();
  }

  private void settle(long generation, long tag, boolean ack) {
    Opening opening = current;
    if (opening.generation() != generation || opening.channel() == null) {
      settlementsDropped.incrementAndGet();
      log.debug(
          "{} of delivery {} dropped: its channel (generation {}) is gone and RabbitMQ requeued it",
          ack ? "Ack" : "Nack",
          tag,
          generation);
      return;
    }
    Channel channel = opening.channel();
    synchronized (channel) {
      try {
        if (ack) {
          channel.basicAck(tag, false);
        } else {
          channel.basicNack(tag, false, true);
        }
      } catch (IOException | RuntimeException e) {
        // The connection dropped: the broker requeues the delivery (a duplicate at worst).
        log.debug(
            "{} of delivery {} not sent ({}); RabbitMQ will redeliver it",
            ack ? "Ack" : "Nack",
            tag,
            e.toString());
      }
    }
  }
}
