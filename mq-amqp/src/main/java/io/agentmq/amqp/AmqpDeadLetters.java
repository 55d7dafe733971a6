package io.agentmq.amqp;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import io.agentmq.api.deadletter.DeadLetter;
import io.agentmq.spi.support.DeadLetterPass;
import io.agentmq.spi.support.DeadLetterStore;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Dead-letter passes on RabbitMQ, over the queue {@code <topic>.deadletter.kept} that holds a
 * topic's dead letters: each is taken with {@code basic.get} and left unacknowledged; a replay is
 * published through the queue's confirming publisher and acknowledged once confirmed, a purged one
 * acknowledged, and everything else goes back to its place in the queue when the pass's channel
 * closes.
 */
final class AmqpDeadLetters implements DeadLetterStore {
  private final AmqpMessageQueue queue;

  AmqpDeadLetters(AmqpMessageQueue queue) {
    this.queue = queue;
  }

  /** The queue holding a dead-letter topic's messages (declared with the topic). */
  static String keptQueue(String deadLetterTopic) {
    return deadLetterTopic + "." + AmqpConfig.KEPT_GROUP;
  }

  @Override
  public DeadLetterPass read(String deadLetterTopic) {
    return new Pass(deadLetterTopic, false);
  }

  @Override
  public DeadLetterPass settle(String deadLetterTopic) {
    return new Pass(deadLetterTopic, true);
  }

  private final class Pass implements DeadLetterPass {
    private final String topic;
    private final String queueName;
    private final boolean settling;
    private final Channel channel;
    private final long size;
    private final Map<String, Long> tags = new HashMap<>();

    /** Taken and not acknowledged: returned in this order when the pass ends. */
    private final TreeSet<Long> held = new TreeSet<>();

    private long taken;

    Pass(String topic, boolean settling) {
      this.topic = topic;
      this.queueName = keptQueue(topic);
      this.settling = settling;
      Channel ch = null;
      long count;
      try {
        ch = queue.consumingConnection().createChannel();
        count = ch.queueDeclarePassive(queueName).getMessageCount();
      } catch (IOException e) {
        // The broker closed the channel: no such queue, so no dead letters were ever kept.
        ch = null;
        count = 0;
      } catch (RuntimeException e) {
        throw MessagingException.retriable(
            "opening a channel to read the dead letters of '" + topic + "' failed: " + e, e);
      }
      this.channel = ch;
      this.size = count;
    }

    @Override
    public long size() {
      return size;
    }

    /**
     * At most as many as the queue held at the start: dead letters arriving meanwhile (a replay
     * that failed again among them) are left for the next run.
     */
    @Override
    public Optional<DeadLetter> next() {
      if (channel == null || taken >= size) {
        return Optional.empty();
      }
      GetResponse got;
      try {
        got = channel.basicGet(queueName, false);
      } catch (IOException | RuntimeException e) {
        throw MessagingException.retriable(
            "reading the dead letters of '" + topic + "' from queue " + queueName + " failed: " + e,
            e);
      }
      if (got == null) {
        return Optional.empty();
      }
      taken++;
      long tag = got.getEnvelope().getDeliveryTag();
      held.add(tag);
      Message message =
          AmqpCodec.fromDelivery(
              got.getProps(), got.getBody(), tag, queueName, got.getEnvelope().getRoutingKey());
      tags.put(message.id() + "\0" + tag, tag);
      return Optional.of(new DeadLetter(message, topic, -1, tag));
    }

    /**
     * Publishes, waits for RabbitMQ's confirm, then acknowledges the dead letter. A crash between
     * the two leaves the dead letter in the queue: the next run replays it again, with the same
     * message id.
     */
    @Override
    public void replay(DeadLetter deadLetter, String target, Message message) {
      requireSettling();
      long timeout = queue.amqpConfig().common.sendTimeout().toMillis() + 5_000;
      try {
        queue.publisher().publish(target, message).get(timeout, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw MessagingException.retriable("interrupted while replaying " + message.id(), e);
      } catch (ExecutionException | CompletionException | TimeoutException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        if (cause instanceof MessagingException m) {
          throw m;
        }
        throw MessagingException.retriable(
            "replaying dead letter " + message.id() + " to '" + target + "' failed: " + cause,
            cause);
      }
      remove(deadLetter);
    }

    @Override
    public void remove(DeadLetter deadLetter) {
      requireSettling();
      Long tag = tags.remove(deadLetter.id() + "\0" + deadLetter.offset());
      if (tag == null) {
        throw new IllegalArgumentException(
            "dead letter " + deadLetter.id() + " was not handed out by this pass");
      }
      try {
        channel.basicAck(tag, false);
        held.remove(tag);
      } catch (IOException | RuntimeException e) {
        throw MessagingException.retriable(
            "acknowledging dead letter "
                + deadLetter.id()
                + " failed (it stays in "
                + queueName
                + "): "
                + e,
            e);
      }
    }

    /** Stays unacknowledged until the channel closes, which returns it to its place. */
    @Override
    public void keep(DeadLetter deadLetter) {
      requireSettling();
      tags.remove(deadLetter.id() + "\0" + deadLetter.offset());
    }

    /** Unread messages stay where they are. */
    @Override
    public boolean leavesUnreadInPlace() {
      return true;
    }

    /** Every step is acknowledged as it is taken. */
    @Override
    public void commit() {}

    private void requireSettling() {
      if (!settling) {
        throw new IllegalStateException("a reading pass changes nothing");
      }
    }

    /**
     * Returns every held message, oldest first, then closes the channel. Returning them one by one
     * in order keeps their order in a quorum queue too (which would return the messages of a closed
     * channel in no particular order).
     */
    @Override
    public void close() {
      if (channel == null || !channel.isOpen()) {
        return;
      }
      try {
        for (long tag : held) {
          channel.basicReject(tag, true);
        }
        held.clear();
        channel.close();
      } catch (IOException | TimeoutException | RuntimeException e) {
        // Whatever was not returned, RabbitMQ returns when the channel or connection closes.
        try {
          channel.abort();
        } catch (IOException | RuntimeException ignored) {
          // closing anyway
        }
      }
    }
  }
}
