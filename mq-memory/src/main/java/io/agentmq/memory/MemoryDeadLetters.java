package io.agentmq.memory;

import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import io.agentmq.api.deadletter.DeadLetter;
import io.agentmq.spi.support.DeadLetterPass;
import io.agentmq.spi.support.DeadLetterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Dead-letter passes over the memory broker: a cursor of its own per dead-letter partition marks
 * where the kept dead letters start (it takes no part in back-pressure, unlike a group).
 */
final class MemoryDeadLetters implements DeadLetterStore {
  private static final long REAPPEND_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final MemoryBroker broker;

  /** Per {@code topic\0partition}: the first offset not yet replayed or purged. */
  private final Map<String, Long> heads = new ConcurrentHashMap<>();

  MemoryDeadLetters(MemoryBroker broker) {
    this.broker = broker;
  }

  @Override
  public DeadLetterPass read(String deadLetterTopic) {
    return new Pass(deadLetterTopic, false);
  }

  @Override
  public DeadLetterPass settle(String deadLetterTopic) {
    return new Pass(deadLetterTopic, true);
  }

  private long head(PartitionLog log) {
    return Math.max(heads.getOrDefault(log.topic + '\0' + log.partition, 0L), log.earliest());
  }

  /** One pass; a settling pass applies each step at once, so commit has nothing left to do. */
  private final class Pass implements DeadLetterPass {
    private final String topic;
    private final boolean settling;
    private final PartitionLog[] partitions;
    private final long[] next;
    private final long[] end;
    private final boolean[] removing;
    private final List<List<Message>> pendingKeeps = new ArrayList<>();
    private int partition;

    Pass(String topic, boolean settling) {
      this.topic = topic;
      this.settling = settling;
      TopicLog log = broker.existingTopic(topic);
      this.partitions = log == null ? new PartitionLog[0] : log.partitions;
      this.next = new long[partitions.length];
      this.end = new long[partitions.length];
      this.removing = new boolean[partitions.length];
      for (int p = 0; p < partitions.length; p++) {
        next[p] = head(partitions[p]);
        end[p] = partitions[p].tail();
        pendingKeeps.add(new ArrayList<>());
      }
    }

    @Override
    public long size() {
      long size = 0;
      for (int p = 0; p < partitions.length; p++) {
        size += end[p] - next[p];
      }
      return size;
    }

    @Override
    public Optional<DeadLetter> next() {
      while (partition < partitions.length) {
        PartitionLog log = partitions[partition];
        long offset = Math.max(next[partition], log.earliest());
        if (offset < end[partition]) {
          next[partition] = offset + 1;
          return Optional.of(new DeadLetter(log.read(offset), topic, partition, offset));
        }
        partition++;
      }
      return Optional.empty();
    }

    @Override
    public void replay(DeadLetter deadLetter, String topic, Message message) {
      broker.publish(topic, message);
      remove(deadLetter);
    }

    /**
     * Moves the head past {@code deadLetter}. Once a partition has a removal, every dead letter of
     * it this pass keeps is appended again at the end, in order, so none is lost and the kept ones
     * keep their order.
     */
    @Override
    public void remove(DeadLetter deadLetter) {
      requireSettling();
      int p = deadLetter.partition();
      for (Message m : pendingKeeps.get(p)) {
        reappend(p, m);
      }
      pendingKeeps.get(p).clear();
      removing[p] = true;
      advance(deadLetter);
    }

    /** Left in place while its partition has no removal in this pass; else appended again. */
    @Override
    public void keep(DeadLetter deadLetter) {
      requireSettling();
      int p = deadLetter.partition();
      if (removing[p]) {
        reappend(p, deadLetter.message());
        advance(deadLetter);
      } else {
        pendingKeeps.get(p).add(deadLetter.message());
      }
    }

    /** Appends to the same partition (a message without a key would go round robin). */
    private void reappend(int p, Message message) {
      long offset;
      try {
        offset = partitions[p].append(message, REAPPEND_TIMEOUT_NANOS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw MessagingException.retriable(
            "interrupted while keeping dead letter " + message.id(), e);
      }
      if (offset < 0) {
        throw MessagingException.retriable(
            "dead-letter topic '"
                + topic
                + "' partition "
                + p
                + " stayed full; dead letter "
                + message.id()
                + " was kept where it was and the operation stopped");
      }
    }

    private void advance(DeadLetter deadLetter) {
      heads.put(topic + '\0' + deadLetter.partition(), deadLetter.offset() + 1);
    }

    private void requireSettling() {
      if (!settling) {
        throw new IllegalStateException("a reading pass changes nothing");
      }
    }

    @Override
    public void commit() {}

    @Override
    public void close() {}
  }
}
