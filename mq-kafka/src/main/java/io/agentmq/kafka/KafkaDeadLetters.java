package io.agentmq.kafka;

import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import io.agentmq.api.StartPosition;
import io.agentmq.api.deadletter.DeadLetter;
import io.agentmq.api.deadletter.DeadLetters;
import io.agentmq.spi.support.DeadLetterPass;
import io.agentmq.spi.support.DeadLetterStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Dead-letter passes on Kafka. The committed offsets of the group {@value
 * DeadLetters#OPERATIONS_GROUP} mark where the kept dead letters start; a settling pass moves them
 * with a transactional producer, so the replays, the re-appended kept records and the new position
 * commit together or not at all.
 */
final class KafkaDeadLetters implements DeadLetterStore {
  private static final Duration POLL = Duration.ofMillis(200);

  /** Kept dead letters held back per partition before they are re-appended instead. */
  private static final int MAX_PENDING_KEEPS = 10_000;

  private final KafkaConfig config;

  KafkaDeadLetters(KafkaConfig config) {
    this.config = config;
  }

  @Override
  public DeadLetterPass read(String deadLetterTopic) {
    return new Pass(deadLetterTopic, null);
  }

  @Override
  public DeadLetterPass settle(String deadLetterTopic) {
    // One transactional id per dead-letter topic: a second run on it fences the first.
    KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            config.transactionalProducerProperties(
                DeadLetters.OPERATIONS_GROUP + "-" + deadLetterTopic));
    try {
      producer.initTransactions();
      producer.beginTransaction();
    } catch (RuntimeException e) {
      producer.close(Duration.ZERO);
      throw KafkaErrors.of(
          "starting a transaction for the dead letters of '" + deadLetterTopic + "'", e);
    }
    return new Pass(deadLetterTopic, producer);
  }

  private final class Pass implements DeadLetterPass {
    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer; // null: reading only
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, Long> end = new HashMap<>();
    private final Map<Integer, List<ConsumerRecord<byte[], byte[]>>> pendingKeeps = new HashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> heads = new HashMap<>();
    private final Set<Integer> removing = new HashSet<>();
    private final Map<String, ConsumerRecord<byte[], byte[]>> handedOut = new HashMap<>();
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> buffer = new ArrayDeque<>();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private final long size;
    private boolean changed;
    private boolean closed;

    Pass(String topic, KafkaProducer<byte[], byte[]> producer) {
      this.topic = topic;
      this.producer = producer;
      Map<String, Object> props =
          config.consumerProperties(DeadLetters.OPERATIONS_GROUP, StartPosition.EARLIEST);
      props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
      props.put(ConsumerConfig.CLIENT_ID_CONFIG, DeadLetters.OPERATIONS_GROUP + "-" + topic);
      this.consumer = new KafkaConsumer<>(props);
      try {
        List<TopicPartition> partitions = new ArrayList<>();
        List<PartitionInfo> infos = consumer.partitionsFor(topic, config.requestTimeout);
        for (PartitionInfo info : infos == null ? List.<PartitionInfo>of() : infos) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        Map<TopicPartition, OffsetAndMetadata> committed =
            consumer.committed(Set.copyOf(partitions), config.requestTimeout);
        Map<TopicPartition, Long> beginning =
            consumer.beginningOffsets(partitions, config.requestTimeout);
        end.putAll(consumer.endOffsets(partitions, config.requestTimeout));
        long total = 0;
        for (TopicPartition tp : partitions) {
          OffsetAndMetadata at = committed.get(tp);
          long start = Math.max(beginning.get(tp), at == null ? 0 : at.offset());
          consumer.seek(tp, start);
          total += Math.max(0, end.get(tp) - start);
        }
        this.size = total;
      } catch (RuntimeException e) {
        close();
        throw KafkaErrors.of("reading the dead letters of '" + topic + "'", e);
      }
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public Optional<DeadLetter> next() {
      long idleSince = System.nanoTime();
      while (buffer.isEmpty()) {
        boolean more = false;
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
          more |= consumer.position(e.getKey(), config.requestTimeout) < e.getValue();
        }
        if (!more) {
          return Optional.empty();
        }
        try {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
            if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
              buffer.add(r);
            }
          }
        } catch (RuntimeException e) {
          throw KafkaErrors.of("reading the dead letters of '" + topic + "'", e);
        }
        if (buffer.isEmpty() && System.nanoTime() - idleSince > config.requestTimeout.toNanos()) {
          throw MessagingException.retriable(
              "reading the dead letters of '"
                  + topic
                  + "' made no progress within kafka.request_timeout_ms = "
                  + config.requestTimeout.toMillis()
                  + " ms; nothing was changed after the last commit, run it again");
        }
      }
      ConsumerRecord<byte[], byte[]> r = buffer.poll();
      if (producer != null) {
        handedOut.put(r.partition() + ":" + r.offset(), r);
      }
      return Optional.of(
          new DeadLetter(KafkaCodec.fromRecord(r), topic, r.partition(), r.offset()));
    }

    @Override
    public void replay(DeadLetter deadLetter, String target, Message message) {
      requireSettling();
      send(KafkaCodec.toRecord(target, message));
      remove(deadLetter);
    }

    /**
     * Moves the position past {@code deadLetter}. Once a partition has a removal, every dead letter
     * of it this pass keeps is appended again at the end of that partition, unchanged and in order
     * (Kafka cannot delete one record), so none is lost and the kept ones keep their order.
     */
    @Override
    public void remove(DeadLetter deadLetter) {
      requireSettling();
      handedOut.remove(deadLetter.partition() + ":" + deadLetter.offset());
      for (ConsumerRecord<byte[], byte[]> r :
          pendingKeeps.getOrDefault(deadLetter.partition(), List.of())) {
        reappend(r);
      }
      pendingKeeps.remove(deadLetter.partition());
      removing.add(deadLetter.partition());
      advance(deadLetter);
    }

    /** Left in place while its partition has no removal in this pass; else appended again. */
    @Override
    public void keep(DeadLetter deadLetter) {
      requireSettling();
      ConsumerRecord<byte[], byte[]> r =
          handedOut.remove(deadLetter.partition() + ":" + deadLetter.offset());
      if (r == null) {
        throw new IllegalArgumentException(
            "dead letter " + deadLetter.id() + " was not handed out by this pass");
      }
      if (removing.contains(r.partition())) {
        reappend(r);
        advance(deadLetter);
        return;
      }
      List<ConsumerRecord<byte[], byte[]>> pending =
          pendingKeeps.computeIfAbsent(r.partition(), p -> new ArrayList<>());
      pending.add(r);
      if (pending.size() >= MAX_PENDING_KEEPS) {
        // Bounded memory: from here on this partition's kept dead letters move as they are read.
        pending.forEach(this::reappend);
        pendingKeeps.remove(r.partition());
        removing.add(r.partition());
        advance(deadLetter);
      }
    }

    private void reappend(ConsumerRecord<byte[], byte[]> r) {
      send(
          new ProducerRecord<>(
              topic, r.partition(), r.timestamp(), r.key(), r.value(), r.headers()));
    }

    private void advance(DeadLetter deadLetter) {
      heads.put(
          new TopicPartition(topic, deadLetter.partition()),
          new OffsetAndMetadata(deadLetter.offset() + 1));
      changed = true;
    }

    private void send(ProducerRecord<byte[], byte[]> record) {
      Exception failed = sendFailure.get();
      if (failed != null) {
        throw KafkaErrors.of("replaying the dead letters of '" + topic + "'", failed);
      }
      try {
        producer.send(
            record,
            (metadata, e) -> {
              if (e != null) {
                sendFailure.compareAndSet(null, e);
              }
            });
      } catch (RuntimeException e) {
        throw KafkaErrors.of("sending to '" + record.topic() + "'", e);
      }
    }

    @Override
    public void commit() {
      requireSettling();
      if (!changed) {
        return;
      }
      try {
        producer.sendOffsetsToTransaction(
            Map.copyOf(heads), new ConsumerGroupMetadata(DeadLetters.OPERATIONS_GROUP));
        producer.commitTransaction();
      } catch (RuntimeException e) {
        throw KafkaErrors.of(
            "committing the dead-letter operation on '"
                + topic
                + "' (nothing since the last commit is kept; run it again to continue)",
            sendFailure.get() == null ? e : sendFailure.get());
      }
      Exception failed = sendFailure.get();
      if (failed != null) {
        throw KafkaErrors.of("replaying the dead letters of '" + topic + "'", failed);
      }
      changed = false;
      producer.beginTransaction();
    }

    private void requireSettling() {
      if (producer == null) {
        throw new IllegalStateException("a reading pass changes nothing");
      }
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (producer != null) {
        try {
          producer.abortTransaction();
        } catch (RuntimeException e) {
          // Fenced or already failed: the broker aborts it when its timeout passes.
        }
        producer.close(Duration.ofSeconds(5));
      }
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }
}
