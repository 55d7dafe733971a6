package io.agentmq.amqp;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.agentmq.api.MessagingException;
import io.agentmq.api.Subscriber;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.support.AbstractMessageQueue;
import io.agentmq.spi.support.ProducerHandle;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * A {@link io.agentmq.api.MessageQueue} on RabbitMQ: one connection for publishing and one for
 * consuming (so publisher flow control never stalls consumers), both recovering automatically.
 */
final class AmqpMessageQueue extends AbstractMessageQueue {
  private final AmqpConfig config;
  private final Connection publishing;
  private final Connection consuming;
  private final ScheduledExecutorService timer;
  private final AmqpAdmin admin;
  private final AmqpPublisher publisher;
  private final AmqpSender sender;
  private final ProducerHandle handlerProducer;
  private volatile String blockedReason;

  AmqpMessageQueue(AmqpConfig config) {
    super(AmqpProvider.NAME, config.common);
    this.config = config;
    ConnectionFactory factory = new ConnectionFactory();
    try {
      factory.setUri(config.url);
    } catch (Exception e) {
      throw MessagingException.permanent("amqp.url is not a usable AMQP URL: " + config.where());
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
      throw MessagingException.retriable(
          "cannot connect to RabbitMQ at "
              + config.where()
              + " (amqp.url, AMQP_URL): "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + redactPassword(e.getMessage())),
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
    } catch (IOException e) {
      throw MessagingException.retriable("opening publisher channels failed: " + e, e);
    }
    this.sender = new AmqpSender(publisher, config.common.maxMessageBytes());
    this.handlerProducer = ProducerHandle.borrowed(sender);
    // Declared over AMQP only: starting needs no management API.
    config.common.topics().keySet().forEach(admin::ensureTopic);
    config.requiredGroups.keySet().forEach(admin::ensureTopic);
  }

  /** The message of a connection error without the URL's password (an empty one is no secret). */
  private String redactPassword(String message) {
    String password = config.credentials()[1];
    return password.isEmpty() ? message : message.replace(password, "****");
  }

  AmqpConfig amqpConfig() {
    return config;
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
