package io.agentmq.memory;

import io.agentmq.api.ConfigSection;
import io.agentmq.api.MqConfig;
import java.util.Set;

/**
 * Settings of the memory backend: the common ones from {@link MqConfig} and {@code
 * memory.partition_capacity}, validated here.
 */
final class MemoryConfig {
  static final String PARTITION_CAPACITY = "partition_capacity";
  static final int DEFAULT_PARTITION_CAPACITY = 65_536;

  final MqConfig common;

  /**
   * Messages a partition holds. A message some group has not yet acknowledged is never overwritten:
   * a full partition makes senders wait, up to {@code producer.send_timeout_ms}.
   */
  final int partitionCapacity;

  final long sendTimeoutNanos;

  /** What in-place retry backoff runs on: the system's time unless a test set a clock. */
  final RetryClock retryClock;

  MemoryConfig(MqConfig common) {
    this.common = common;
    ConfigSection section = common.section(MemoryProvider.NAME);
    section.rejectUnknownKeys(Set.of(PARTITION_CAPACITY));
    this.partitionCapacity =
        section.integer(PARTITION_CAPACITY, DEFAULT_PARTITION_CAPACITY, 1, 1 << 26);
    section.throwIfInvalid();
    this.sendTimeoutNanos = common.sendTimeout().toNanos();
    this.retryClock = RetryClock.of(common);
  }
}
