package io.agentmq.memory;

import io.agentmq.api.TopicSpec;
import java.util.concurrent.atomic.AtomicInteger;

/** A topic: its partitions and how a message is assigned to one. */
final class TopicLog {
  final TopicSpec spec;
  final PartitionLog[] partitions;
  private final AtomicInteger roundRobin = new AtomicInteger();

  TopicLog(TopicSpec spec, int partitionCapacity) {
    this.spec = spec;
    this.partitions = new PartitionLog[spec.partitions()];
    for (int p = 0; p < partitions.length; p++) {
      partitions[p] = new PartitionLog(spec.name(), p, partitionCapacity);
    }
  }

  /** Same key, same partition; no key: round robin. */
  PartitionLog partitionFor(String key) {
    int n = partitions.length;
    if (n == 1) {
      return partitions[0];
    }
    int index =
        key == null
            ? (roundRobin.getAndIncrement() & Integer.MAX_VALUE) % n
            : Math.floorMod(key.hashCode(), n);
    return partitions[index];
  }
}
