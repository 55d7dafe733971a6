package io.agentmq.memory;

import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.MessagingException;
import io.agentmq.api.StartPosition;
import io.agentmq.api.TopicSpec;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The in-process broker behind one memory {@link io.agentmq.api.MessageQueue}: topics and groups.
 */
final class MemoryBroker {
  private final MemoryConfig config;
  private final Map<String, TopicLog> topics = new ConcurrentHashMap<>();
  private final Map<String, GroupSignal> signals = new ConcurrentHashMap<>();
  private final Map<String, GroupCursor[]> cursors = new ConcurrentHashMap<>();

  MemoryBroker(MemoryConfig config) {
    this.config = config;
  }

  /** The topic, created from its configured settings if it does not exist. */
  TopicLog topic(String name) {
    TopicLog log = name == null ? null : topics.get(name);
    if (log == null) {
      TopicSpec.requireValidName(name);
      createTopic(config.common.topic(name));
      log = topics.get(name);
    }
    return log;
  }

  /**
   * Creates a topic and, when dead-lettering is on and it is not itself a dead-letter topic, its
   * dead-letter topic with as many partitions.
   */
  synchronized boolean createTopic(TopicSpec spec) {
    if (config.common.deadLetterPolicy().enabled()
        && !spec.name().endsWith(DeadLetterPolicy.SUFFIX)) {
      String deadLetters = DeadLetterPolicy.deadLetterTopic(spec.name());
      if (TopicSpec.isValidName(deadLetters)) {
        topics.computeIfAbsent(
            deadLetters, n -> new TopicLog(spec.withName(n), config.partitionCapacity));
      }
    }
    if (topics.containsKey(spec.name())) {
      return false;
    }
    topics.put(spec.name(), new TopicLog(spec, config.partitionCapacity));
    return true;
  }

  /**
   * Deletes a topic with its groups' positions. Consumers still subscribed keep reading the deleted
   * log; delete a topic once its consumers are closed.
   */
  synchronized boolean deleteTopic(String name) {
    cursors.keySet().removeIf(key -> key.startsWith(name + '\0'));
    return topics.remove(name) != null;
  }

  /**
   * Forgets a group on every topic.
   *
   * @return whether the group existed
   */
  synchronized boolean deleteGroup(String group) {
    boolean found = false;
    for (var it = cursors.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      if (entry.getKey().endsWith('\0' + group)) {
        for (GroupCursor cursor : entry.getValue()) {
          cursor.log.leave(cursor);
        }
        it.remove();
        found = true;
      }
    }
    return found;
  }

  Set<String> topicNames() {
    return new TreeSet<>(topics.keySet());
  }

  TopicLog existingTopic(String name) {
    return topics.get(name);
  }

  /**
   * Appends a message to its partition.
   *
   * @throws MessagingException (retriable) when the partition stayed full for the send timeout
   */
  DeliveryReport publish(String topicName, Message message) {
    PartitionLog partition = topic(topicName).partitionFor(message.key().orElse(null));
    long offset;
    try {
      offset = partition.append(message, config.sendTimeoutNanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw MessagingException.retriable(
          "interrupted while waiting for room in '"
              + topicName
              + "'; message "
              + message.id()
              + " was not sent",
          e);
    }
    if (offset < 0) {
      throw MessagingException.retriable(
          "topic '"
              + topicName
              + "' partition "
              + partition.partition
              + " is full: it holds memory.partition_capacity = "
              + config.partitionCapacity
              + " messages not yet acknowledged by group(s) "
              + partition.slowestGroups()
              + ", and no room came free within producer.send_timeout_ms = "
              + TimeUnit.NANOSECONDS.toMillis(config.sendTimeoutNanos)
              + "; message "
              + message.id()
              + " was not sent. Consume faster or raise memory.partition_capacity");
    }
    return new DeliveryReport(topicName, message.id(), partition.partition, offset);
  }

  /** The group's cursors over every partition of a topic, joining the group if it is new. */
  GroupCursor[] join(String topicName, String group, StartPosition start) {
    TopicLog log = topic(topicName);
    GroupSignal signal = signal(group);
    return cursors.computeIfAbsent(
        topicName + '\0' + group,
        key -> {
          GroupCursor[] result = new GroupCursor[log.partitions.length];
          for (int p = 0; p < result.length; p++) {
            result[p] = log.partitions[p].join(group, signal, start);
          }
          return result;
        });
  }

  RetryClock retryClock() {
    return config.retryClock;
  }

  GroupSignal signal(String group) {
    return signals.computeIfAbsent(group, g -> new GroupSignal());
  }
}
