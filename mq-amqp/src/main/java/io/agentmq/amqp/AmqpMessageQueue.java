package io.agentmq.amqp;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.agentmq.api.Consumer;
import io.agentmq.api.Health;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.QueueHealth;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link MessageQueue} on RabbitMQ: one connection for publishing and one for consuming (so
 * publisher flow control never stalls consumers), both recovering automatically.
 */
final class AmqpMessageQueue implements MessageQueue {
  private final AmqpConfig config;
  private final Connection publishing;
  private final Connection consuming;
  private final ScheduledExecutorService timer;
  private final AmqpAdmin admin;
  private final AmqpPublisher publisher;
  private final AmqpProducer contextProducer;
  private final List<AmqpProducer> producers = new CopyOnWriteArrayList<>();
  private final List<AmqpConsumer> consumers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile String blockedReason;

  AmqpMessageQueue(AmqpConfig config) {
    this.config = config;
    ConnectionFactory factory = new ConnectionFactory();
    try {
      factory.setUri(config.url);
    } catch (Exception e) {
      throw new MessagingException("amqp.url is not a usable AMQP URL: " + config.where(), false);
    }
    factory.setAutomaticRecoveryEnabled(true);
    factory.setTopologyRecoveryEnabled(true);
    factory.setNetworkRecoveryInterval(1000);
    factory.setRequestedHeartbeat(10);
    factory.setConnectionTimeout(10_000);
    try {
      this.publishing = factory.newConnection("agentmq-publish");
      this.consuming = factory.newConnection("agentmq-consume");
    } catch (Exception e) {
      throw new MessagingException(
          "cannot connect to RabbitMQ at "
              + config.where()
              + " (amqp.url, AMQP_URL): "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null
                  ? ""
                  : ": " + e.getMessage().replace(config.credentials()[1], "****")),
          true,
          e);
    }
    publishing.addBlockedListener(reason -> blockedReason = reason, () -> blockedReason = null);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "agentmq-amqp-timer");
              t.setDaemon(true);
              return t;
            });
    this.admin = new AmqpAdmin(config, publishing);
    try {
      this.publisher =
          new AmqpPublisher(
              publishing,
              config.publisherChannels,
              config.common.sendTimeout().toNanos(),
              timer,
              admin::ensureTopic);
    } catch (java.io.IOException e) {
      throw new MessagingException("opening publisher channels failed: " + e, true, e);
    }
    this.contextProducer =
        new AmqpProducer(publisher, config.common.maxMessageBytes(), false, p -> {});
    // Declared over AMQP only: starting needs no management API.
    config.common.topics().keySet().forEach(admin::ensureTopic);
    config.requiredGroups.keySet().forEach(admin::ensureTopic);
  }

  @Override
  public String backend() {
    return AmqpProvider.NAME;
  }

  @Override
  public MqConfig config() {
    return config.common;
  }

  AmqpConfig amqpConfig() {
    return config;
  }

  AmqpPublisher publisher() {
    return publisher;
  }

  AmqpProducer contextProducer() {
    return contextProducer;
  }

  AmqpAdmin topology() {
    return admin;
  }

  Connection consumingConnection() {
    return consuming;
  }

  @Override
  public Producer createProducer() {
    ensureOpen();
    AmqpProducer producer =
        new AmqpProducer(publisher, config.common.maxMessageBytes(), true, producers::remove);
    producers.add(producer);
    return producer;
  }

  @Override
  public Consumer subscribe(Subscription subscription) {
    ensureOpen();
    AmqpConsumer consumer =
        new AmqpConsumer(ConsumerSettings.of(subscription, config.common), this, consumers::remove);
    consumers.add(consumer);
    return consumer;
  }

  @Override
  public AmqpAdmin admin() {
    ensureOpen();
    return admin;
  }

  @Override
  public Health health() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("backend", AmqpProvider.NAME);
    details.put("broker", config.where());
    boolean up =
        !closed.get() && publishing.isOpen() && consuming.isOpen() && blockedReason == null;
    if (closed.get()) {
      details.put("reason", "closed");
    } else if (!publishing.isOpen() || !consuming.isOpen()) {
      details.put("reason", "connection to RabbitMQ lost; recovering");
    } else if (blockedReason != null) {
      details.put("reason", "RabbitMQ blocked publishing: " + blockedReason);
    }
    return QueueHealth.of(details, up, consumers);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (AmqpConsumer consumer : consumers) {
      consumer.close();
    }
    for (AmqpProducer producer : producers) {
      producer.close();
    }
    publisher.close();
    timer.shutdownNow();
    for (Connection connection : List.of(consuming, publishing)) {
      try {
        connection.close(5_000);
      } catch (Exception e) {
        // closing anyway
      }
    }
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("this MessageQueue is closed");
    }
  }
}
