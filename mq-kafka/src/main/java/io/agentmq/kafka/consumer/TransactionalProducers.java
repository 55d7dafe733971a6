package io.agentmq.kafka.consumer;

import java.time.Duration;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer-wide side of exactly-once: opens each partition's transactional producer ({@code
 * transactional.id} = group, topic and partition, so the partition's next owner fences the previous
 * one), closes them (at once when the consumer aborts), and holds the group metadata the poll
 * thread last saw, under which transactions commit their offsets.
 */
final class TransactionalProducers {
  private static final Logger log = LoggerFactory.getLogger(TransactionalProducers.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final String group;
  private final Function<String, Producer<byte[], byte[]>> factory;
  private final RunState state;
  private volatile ConsumerGroupMetadata groupMetadata;

  /**
   * @param factory creates a producer for a {@code transactional.id}
   */
  TransactionalProducers(
      String group, Function<String, Producer<byte[], byte[]>> factory, RunState state) {
    this.group = group;
    this.factory = factory;
    this.state = state;
  }

  /** A new producer of {@code partition}'s transactions, ready to begin one. */
  Producer<byte[], byte[]> open(TopicPartition partition) {
    String id = "agentmq-" + group + "-" + partition.topic() + "-" + partition.partition();
    Producer<byte[], byte[]> producer = factory.apply(id);
    try {
      producer.initTransactions();
    } catch (RuntimeException e) {
      producer.close(Duration.ZERO);
      throw e;
    }
    return producer;
  }

  void close(Producer<byte[], byte[]> producer) {
    try {
      producer.close(state.aborted() ? Duration.ZERO : CLOSE_TIMEOUT);
    } catch (RuntimeException e) {
      log.debug("Closing a transactional producer failed", e);
    }
  }

  ConsumerGroupMetadata groupMetadata() {
    return groupMetadata;
  }

  /** Poll thread: after each poll and assignment. */
  void groupMetadata(ConsumerGroupMetadata current) {
    groupMetadata = current;
  }
}
