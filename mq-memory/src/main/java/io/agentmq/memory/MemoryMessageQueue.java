package io.agentmq.memory;

import io.agentmq.api.Admin;
import io.agentmq.api.Consumer;
import io.agentmq.api.Health;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.QueueHealth;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/** A {@link MessageQueue} over its own {@link MemoryBroker}. */
final class MemoryMessageQueue implements MessageQueue {
  private final MemoryConfig config;
  private final MemoryBroker broker;
  private final MemoryAdmin admin;
  private final Producer contextProducer;
  private final List<MemoryProducer> producers = new CopyOnWriteArrayList<>();
  private final List<MemoryConsumer> consumers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  MemoryMessageQueue(MemoryConfig config) {
    this.config = config;
    this.broker = new MemoryBroker(config);
    this.admin =
        new MemoryAdmin(
            broker,
            () -> consumers.stream().map(MemoryConsumer::group).collect(Collectors.toSet()));
    this.contextProducer = new MemoryProducer(broker, config, false, p -> {});
    config.common.topics().values().forEach(broker::createTopic);
  }

  @Override
  public String backend() {
    return MemoryProvider.NAME;
  }

  @Override
  public MqConfig config() {
    return config.common;
  }

  @Override
  public Producer createProducer() {
    ensureOpen();
    MemoryProducer producer = new MemoryProducer(broker, config, true, producers::remove);
    producers.add(producer);
    return producer;
  }

  @Override
  public Consumer subscribe(Subscription subscription) {
    ensureOpen();
    MemoryConsumer consumer =
        new MemoryConsumer(
            ConsumerSettings.of(subscription, config.common),
            broker,
            config,
            contextProducer,
            consumers::remove);
    consumers.add(consumer);
    return consumer;
  }

  @Override
  public Admin admin() {
    ensureOpen();
    return admin;
  }

  @Override
  public Health health() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("backend", MemoryProvider.NAME);
    details.put("topics", broker.topicNames().size());
    boolean up = !closed.get();
    if (!up) {
      details.put("reason", "closed");
    }
    return QueueHealth.of(details, up, consumers);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (MemoryConsumer consumer : consumers) {
      consumer.close();
    }
    for (MemoryProducer producer : producers) {
      producer.close();
    }
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("this MessageQueue is closed");
    }
  }
}
