package io.agentmq.amqp;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import io.agentmq.api.MessagingException;
import io.agentmq.api.Subscriber;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.IdempotencyStore;
import io.agentmq.spi.IdempotencyStores;
import io.agentmq.spi.support.AbstractMessageQueue;
import io.agentmq.spi.support.ProducerHandle;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link io.agentmq.api.MessageQueue} on RabbitMQ: one connection for publishing and one for
 * consuming (so publisher flow control never stalls consumers), both recovering automatically.
 */
final class AmqpMessageQueue extends AbstractMessageQueue {
  private static final Logger log = LoggerFactory.getLogger(AmqpMessageQueue.class);

  /** Health stays DOWN this long after an oversize body closed the consuming connection. */
  private static final long OVERSIZE_HEALTH_NANOS = TimeUnit.SECONDS.toNanos(10);

  private static final long OVERSIZE_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final AmqpConfig config;
  private final Connection publishing;
  private final Connection consuming;
  private final ScheduledExecutorService timer;
  private final AmqpAdmin admin;
  private final AmqpPublisher publisher;
  private final AmqpSender sender;
  private final ProducerHandle handlerProducer;
  private IdempotencyStore idempotencyStore; // guarded by this
  private volatile String blockedReason;

  /** When the consuming connection last closed on an oversize body ({@code nanoTime}); 0: never. */
  private volatile long oversizeSeen;

  AmqpMessageQueue(AmqpConfig config) {
    super(AmqpProvider.NAME, config.common);
    this.config = config;
    ConnectionFactory factory = connectionFactory(config);
    try {
      this.publishing = factory.newConnection("agentmq-publish");
      this.consuming = factory.newConnection("agentmq-consume");
    } catch (Exception e) {
      throw MessagingException.retriable(
          "cannot connect to RabbitMQ at "
              + config.where()
              + " (amqp.url, AMQP_URL): "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + redactPassword(e.getMessage())),
          e);
    }
    consuming.addShutdownListener(this::onConsumingShutdown);
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
    } catch (IOException e) {
      throw MessagingException.retriable("opening publisher channels failed: " + e, e);
    }
    this.sender = new AmqpSender(publisher, config.common.maxMessageBytes());
    this.handlerProducer = ProducerHandle.borrowed(sender);
    // Declared over AMQP only: starting needs no management API.
    config.common.topics().keySet().forEach(admin::ensureTopic);
    config.requiredGroups.keySet().forEach(admin::ensureTopic);
  }

  /**
   * The client's settings: everything from {@link AmqpConfig}'s own reading of {@code amqp.url}, so
   * that the connection goes to the host, virtual host and user the URL names and health reports
   * (URL parameters are applied by the client from the same URL first). {@code amqps://} verifies
   * the broker's certificate and host name.
   */
  private static ConnectionFactory connectionFactory(AmqpConfig config) {
    ConnectionFactory factory = new ConnectionFactory();
    try {
      factory.setUri(config.url);
    } catch (Exception e) {
      throw MessagingException.permanent("amqp.url is not a usable AMQP URL: " + config.where());
    }
    if (config.url.getScheme().equals("amqps")) {
      // setUri trusts any certificate for amqps; verify the broker's instead, against the JVM's
      // trust store (javax.net.ssl.trustStore), and its host name.
      try {
        factory.useSslProtocol(SSLContext.getDefault());
      } catch (NoSuchAlgorithmException e) {
        throw MessagingException.permanent("this JVM offers no default TLS context: " + e, null);
      }
      factory.enableHostnameVerification();
    }
    factory.setHost(config.url.getHost());
    if (config.url.getPort() != -1) {
      factory.setPort(config.url.getPort());
    }
    factory.setVirtualHost(config.virtualHost());
    String[] credentials = config.credentials();
    factory.setUsername(credentials[0]);
    factory.setPassword(credentials[1]);
    // A larger body closes the whole connection (the client refuses it before reading it).
    factory.setMaxInboundMessageBodySize(config.maxInboundBodyBytes);
    factory.setAutomaticRecoveryEnabled(true);
    factory.setTopologyRecoveryEnabled(true);
    factory.setNetworkRecoveryInterval(1000);
    factory.setRequestedHeartbeat(10);
    factory.setConnectionTimeout(10_000);
    return factory;
  }

  /**
   * The client closed the consuming connection because a message body was over {@code
   * producer.max_message_bytes}: RabbitMQ requeues it and redelivers it after each recovery, so the
   * consumers stall until it is removed or the limit raised. Health says so until it stops.
   */
  private void onConsumingShutdown(ShutdownSignalException signal) {
    if (!signal.isInitiatedByApplication()
        && signal.getCause() instanceof IllegalStateException e
        && e.getMessage() != null
        && e.getMessage().startsWith("Message body is too large")) {
      long now = System.nanoTime();
      if (now - oversizeSeen > OVERSIZE_LOG_INTERVAL_NANOS || oversizeSeen == 0) {
        log.error("{}", oversizeReason());
      }
      oversizeSeen = now;
    }
  }

  private String oversizeReason() {
    return "a message over producer.max_message_bytes = "
        + config.maxInboundBodyBytes
        + " bytes reached a consumer of "
        + config.where()
        + ": the client refuses it and closes the connection, and RabbitMQ redelivers it after"
        + " each reconnect, so consumers stall until it is removed from its queue or"
        + " producer.max_message_bytes is raised (RabbitMQ's max_message_size refuses such"
        + " messages when published)";
  }

  /** The message of a connection error without the URL's password (an empty one is no secret). */
  private String redactPassword(String message) {
    String password = config.credentials()[1];
    return password.isEmpty() ? message : message.replace(password, "****");
  }

  AmqpConfig amqpConfig() {
    return config;
  }

  /**
   * The store exactly-once subscribers record handled ids in ({@code amqp.idempotency_store}),
   * opened by the first of them and closed with the queue.
   */
  synchronized IdempotencyStore idempotencyStore() {
    if (idempotencyStore == null) {
      idempotencyStore =
          IdempotencyStores.open(
              config.idempotencyStore,
              config.idempotencyRetention,
              "amqp." + AmqpConfig.IDEMPOTENCY_STORE);
    }
    return idempotencyStore;
  }

  AmqpPublisher publisher() {
    return publisher;
  }

  ProducerHandle handlerProducer() {
    return handlerProducer;
  }

  AmqpAdmin topology() {
    return admin;
  }

  Connection consumingConnection() {
    return consuming;
  }

  @Override
  protected ProducerHandle.Sender sender() {
    return sender;
  }

  @Override
  protected Subscriber openSubscriber(ConsumerSettings settings, Consumer<Subscriber> onClose) {
    return new AmqpSubscriber(settings, this, onClose);
  }

  @Override
  public AmqpAdmin admin() {
    ensureOpen();
    return admin;
  }

  @Override
  protected boolean checkBroker(Map<String, Object> details) {
    details.put("broker", config.where());
    if (consuming.getAddress() != null) {
      details.put(
          "connectedTo", consuming.getAddress().getHostAddress() + ":" + consuming.getPort());
    }
    if (oversizeSeen != 0 && System.nanoTime() - oversizeSeen < OVERSIZE_HEALTH_NANOS) {
      details.put("reason", oversizeReason());
      return false;
    }
    if (!publishing.isOpen() || !consuming.isOpen()) {
      details.put("reason", "connection to RabbitMQ lost; recovering");
      return false;
    }
    if (blockedReason != null) {
      details.put("reason", "RabbitMQ blocked publishing: " + blockedReason);
      return false;
    }
    return true;
  }

  @Override
  protected void closeBackend() {
    publisher.close();
    synchronized (this) {
      if (idempotencyStore != null) {
        idempotencyStore.close();
      }
    }
    timer.shutdownNow();
    for (Connection connection : List.of(consuming, publishing)) {
      try {
        connection.close(5_000);
      } catch (Exception e) {
        // closing anyway
      }
    }
  }
}
