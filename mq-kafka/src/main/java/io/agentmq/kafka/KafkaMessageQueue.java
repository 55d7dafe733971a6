package io.agentmq.kafka;

import io.agentmq.api.Consumer;
import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Health;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.QueueHealth;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * A {@link MessageQueue} on a Kafka cluster: one shared {@link KafkaProducer}, one admin client,
 * and a {@code KafkaConsumer} per subscription.
 */
final class KafkaMessageQueue implements MessageQueue {
  private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(5);

  private final KafkaConfig config;
  private final Admin adminClient;
  private final KafkaAdmin admin;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaMqProducer contextProducer;
  private final List<KafkaMqProducer> producers = new CopyOnWriteArrayList<>();
  private final List<KafkaMqConsumer> consumers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  KafkaMessageQueue(KafkaConfig config) {
    this.config = config;
    this.adminClient = Admin.create(config.adminProperties());
    try {
      adminClient
          .describeCluster(
              new DescribeClusterOptions().timeoutMs((int) config.requestTimeout.toMillis()))
          .nodes()
          .get(config.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      adminClient.close(Duration.ZERO);
      throw KafkaErrors.of(
          "reaching Kafka at "
              + config.bootstrapServers
              + " (kafka.bootstrap_servers, KAFKA_BOOTSTRAP_SERVERS) within "
              + config.requestTimeout.toMillis()
              + " ms",
          e);
    }
    this.admin = new KafkaAdmin(adminClient, config);
    this.producer = new KafkaProducer<>(config.producerProperties());
    this.contextProducer =
        new KafkaMqProducer(this, producer, config.common.maxMessageBytes(), false, p -> {});
    config.common.topics().values().forEach(admin::createTopic);
  }

  @Override
  public String backend() {
    return KafkaProvider.NAME;
  }

  @Override
  public MqConfig config() {
    return config.common;
  }

  KafkaConfig kafkaConfig() {
    return config;
  }

  @Override
  public Producer createProducer() {
    ensureOpen();
    KafkaMqProducer handle =
        new KafkaMqProducer(
            this, producer, config.common.maxMessageBytes(), true, producers::remove);
    producers.add(handle);
    return handle;
  }

  /** The producer handed to handlers in {@link io.agentmq.api.Delivery#producer()}. */
  KafkaMqProducer contextProducer() {
    return contextProducer;
  }

  /** Publishes through the shared producer (dead letters, handlers' sends). */
  CompletableFuture<DeliveryReport> publish(String topic, Message message) {
    return KafkaMqProducer.send(producer, this, topic, message);
  }

  @Override
  public Consumer subscribe(Subscription subscription) {
    ensureOpen();
    ConsumerSettings settings = ConsumerSettings.of(subscription, config.common);
    settings.topics().forEach(admin::ensureTopic);
    KafkaMqConsumer consumer = new KafkaMqConsumer(settings, this, consumers::remove);
    consumers.add(consumer);
    consumer.awaitAssignment();
    return consumer;
  }

  /** The admin, for internal paths that must work while the queue closes (no open check). */
  KafkaAdmin topics() {
    return admin;
  }

  @Override
  public KafkaAdmin admin() {
    ensureOpen();
    return admin;
  }

  @Override
  public Health health() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("backend", KafkaProvider.NAME);
    details.put("bootstrapServers", config.bootstrapServers);
    boolean up = !closed.get();
    if (!up) {
      details.put("reason", "closed");
    } else {
      try {
        int nodes =
            adminClient
                .describeCluster(
                    new DescribeClusterOptions().timeoutMs((int) HEALTH_TIMEOUT.toMillis()))
                .nodes()
                .get(HEALTH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .size();
        details.put("brokers", nodes);
      } catch (Exception e) {
        up = false;
        details.put("reason", KafkaErrors.of("describing the cluster", e).getMessage());
      }
    }
    return QueueHealth.of(details, up, consumers);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (KafkaMqConsumer consumer : consumers) {
      consumer.close();
    }
    for (KafkaMqProducer handle : producers) {
      handle.close();
    }
    producer.close(config.common.sendTimeout());
    adminClient.close(Duration.ofSeconds(5));
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("this MessageQueue is closed");
    }
  }
}
