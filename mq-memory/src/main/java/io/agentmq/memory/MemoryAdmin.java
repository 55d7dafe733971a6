package io.agentmq.memory;

import io.agentmq.api.Admin;
import io.agentmq.api.TopicSpec;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Topic administration of the memory broker. A memory topic keeps messages by count ({@code
 * memory.partition_capacity}), not by time, and has one copy: its description says so (empty
 * retention, replication factor 1) whatever was asked for.
 */
final class MemoryAdmin implements Admin {
  private final MemoryBroker broker;
  private final Supplier<Set<String>> liveGroups;

  /**
   * @param liveGroups the groups that have running consumers
   */
  MemoryAdmin(MemoryBroker broker, Supplier<Set<String>> liveGroups) {
    this.broker = broker;
    this.liveGroups = liveGroups;
  }

  @Override
  public boolean deleteGroup(String group) {
    if (liveGroups.get().contains(group)) {
      throw new IllegalStateException(
          "group '" + group + "' still has running consumers; close them before deleting it");
    }
    return broker.deleteGroup(group);
  }

  @Override
  public boolean createTopic(TopicSpec spec) {
    return broker.createTopic(spec);
  }

  @Override
  public boolean deleteTopic(String name) {
    return broker.deleteTopic(TopicSpec.requireValidName(name));
  }

  @Override
  public Set<String> listTopics() {
    return broker.topicNames();
  }

  @Override
  public Optional<TopicSpec> describeTopic(String name) {
    TopicLog log = broker.existingTopic(TopicSpec.requireValidName(name));
    return log == null
        ? Optional.empty()
        : Optional.of(new TopicSpec(name, log.partitions.length, 1, Optional.empty()));
  }
}
