package io.agentmq.kafka;

import io.agentmq.api.Subscriber;
import io.agentmq.api.deadletter.DeadLetters;
import io.agentmq.kafka.consumer.KafkaSubscriber;
import io.agentmq.kafka.consumer.QueueLink;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.support.AbstractMessageQueue;
import io.agentmq.spi.support.DeadLetterOperations;
import io.agentmq.spi.support.ProducerHandle;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * A {@link io.agentmq.api.MessageQueue} on a Kafka cluster: one shared {@link KafkaProducer}, one
 * admin client, and a {@code KafkaConsumer} per subscription.
 */
final class KafkaMessageQueue extends AbstractMessageQueue {
  private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(5);

  private final KafkaConfig config;
  private final Admin adminClient;
  private final KafkaAdmin admin;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaSender sender;
  private final ProducerHandle handlerProducer;

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(KafkaMessageQueue.class);

  KafkaMessageQueue(KafkaConfig config) {
    super(KafkaProvider.NAME, config.common);
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
    if (!config.acks.equals("all")) {
      log.warn(
          "kafka.acks={}: a send is acknowledged {}, and idempotence is off (retries may"
              + " duplicate): an acknowledged message can be lost when a broker fails; kafka.acks=all"
              + " (the default) waits for min.insync.replicas copies",
          config.acks,
          config.acks.equals("0")
              ? "before any broker has it"
              : "once the partition leader has it, before any replica does");
    }
    this.producer = new KafkaProducer<>(config.producerProperties());
    this.sender = new KafkaSender(producer, admin, config.common.maxMessageBytes());
    this.handlerProducer = ProducerHandle.borrowed(observed(sender));
    config.common.topics().values().forEach(admin::createTopic);
  }

  @Override
  protected ProducerHandle.Sender sender() {
    return sender;
  }

  @Override
  protected Subscriber openSubscriber(ConsumerSettings settings, Consumer<Subscriber> onClose) {
    settings.topicsWithRetries().forEach(admin::ensureTopic);
    return new KafkaSubscriber(settings, link(settings), onClose);
  }

  /** Waits for the group's first assignment, so that the subscriber reads from now on. */
  @Override
  protected void started(Subscriber subscriber) {
    ((KafkaSubscriber) subscriber).awaitAssignment();
  }

  /** What a consumer takes from this queue: client settings and the paths for handlers' sends. */
  private QueueLink link(ConsumerSettings settings) {
    return new QueueLink(
        config.consumerProperties(settings.group(), settings.startFrom()),
        config::transactionalProducerProperties,
        config.pollTimeout,
        config.maxPollInterval,
        config.requestTimeout,
        config.maxQueuedPerPartition,
        config.maxQueuedBytesPerPartition,
        config.common.maxMessageBytes(),
        handlerProducer,
        sender::publish,
        admin::ensureTopic);
  }

  @Override
  public KafkaAdmin admin() {
    ensureOpen();
    return admin;
  }

  /** Stateless: the operations group's offsets on the broker hold the progress. */
  @Override
  public DeadLetters deadLetters() {
    ensureOpen();
    return new DeadLetterOperations(new KafkaDeadLetters(config));
  }

  @Override
  protected boolean checkBroker(Map<String, Object> details) {
    details.put("bootstrapServers", config.bootstrapServers);
    try {
      int nodes =
          adminClient
              .describeCluster(
                  new DescribeClusterOptions().timeoutMs((int) HEALTH_TIMEOUT.toMillis()))
              .nodes()
              .get(HEALTH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .size();
      details.put("brokers", nodes);
      return true;
    } catch (Exception e) {
      details.put("reason", KafkaErrors.of("describing the cluster", e).getMessage());
      return false;
    }
  }

  @Override
  protected void closeBackend() {
    producer.close(config.common.sendTimeout());
    adminClient.close(Duration.ofSeconds(5));
  }
}
