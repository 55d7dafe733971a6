package io.agentmq.amqp;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultSaslConfig;
import com.rabbitmq.client.ShutdownSignalException;
import io.agentmq.api.MessagingException;
import io.agentmq.api.Subscriber;
import io.agentmq.api.deadletter.DeadLetters;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.IdempotencyStore;
import io.agentmq.spi.IdempotencyStores;
import io.agentmq.spi.support.AbstractMessageQueue;
import io.agentmq.spi.support.DeadLetterOperations;
import io.agentmq.spi.support.ProducerHandle;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link io.agentmq.api.MessageQueue} on RabbitMQ: one connection for publishing and one for
 * consuming (so publisher flow control never stalls consumers), both recovering automatically, to
 * another node of the configured list when theirs is gone.
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
      // The client tries the nodes in a shuffled order, and so does each recovery.
      this.publishing = factory.newConnection(config.addresses, "agentmq-publish");
      this.consuming = factory.newConnection(config.addresses, "agentmq-consume");
    } catch (Exception e) {
      throw connectFailed(config, e);
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
    this.handlerProducer = ProducerHandle.borrowed(observed(sender));
    // Declared over AMQP only: starting needs no management API.
    config.common.topics().keySet().forEach(admin::ensureTopic);
    config.requiredGroups.keySet().forEach(admin::ensureTopic);
  }

  /**
   * The client's settings: everything from {@link AmqpConfig}'s own reading of {@code amqp.url}, so
   * that the connection logs in to the virtual host as the user the URL names and health reports
   * (URL parameters are applied by the client from the same URL first); the nodes are {@link
   * AmqpConfig#addresses}, given to each {@code newConnection}. {@code amqps://} verifies the
   * broker's certificate and host name.
   */
  private static ConnectionFactory connectionFactory(AmqpConfig config) {
    ConnectionFactory factory = new ConnectionFactory();
    try {
      factory.setUri(config.url);
    } catch (Exception e) {
      throw MessagingException.permanent("amqp.url is not a usable AMQP URL: " + config.where());
    }
    if (config.tls != null) {
      // setUri trusts any certificate for amqps; verify the broker's instead, against
      // amqp.tls.ca_file or the JVM's trust store, and (unless turned off) its host name.
      factory.useSslProtocol(config.tls.context);
      if (config.tls.verifyHostname) {
        factory.enableHostnameVerification();
      }
      if (config.tls.external) {
        factory.setSaslConfig(DefaultSaslConfig.EXTERNAL);
      }
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
   * Why the first connection failed, in one line without secrets: an untrusted, expired or
   * wrong-host broker certificate and a refused login are named with the setting to change; any
   * other failure is retriable (the broker may be starting).
   */
  private static MessagingException connectFailed(AmqpConfig config, Exception e) {
    String prefix =
        "cannot connect to RabbitMQ at "
            + config.where()
            + (config.addresses.size() > 1 ? " (any of its nodes; " : " (")
            + "amqp.url, AMQP_URL"
            + (config.addresses.size() > 1 ? ", amqp.addresses): " : "): ");
    String problem = tlsProblem(config, e);
    if (problem != null) {
      return MessagingException.permanent(prefix + problem, e);
    }
    if (e instanceof AuthenticationFailureException) {
      return MessagingException.permanent(
          prefix
              + (config.externalLogin()
                  ? "the broker refused the client certificate's login (amqp.tls.sasl = external):"
                      + " it needs the rabbitmq_auth_mechanism_ssl plugin, EXTERNAL in"
                      + " auth_mechanisms and a user named as the certificate's subject"
                  : "the broker refused the login of user '"
                      + config.credentials()[0]
                      + "': wrong user or password in amqp.url (AMQP_URL)"),
          e);
    }
    String closed = closedOverTls(config, e);
    if (closed != null) {
      return MessagingException.retriable(prefix + closed, e);
    }
    String password = config.credentials()[1];
    String message = e.getMessage() == null ? "" : ": " + e.getMessage();
    return MessagingException.retriable(
        prefix
            + e.getClass().getSimpleName()
            + (password.isEmpty() ? message : message.replace(password, "****")),
        e);
  }

  /**
   * What TLS refused, or null when the failure is not TLS's. The causes are searched as a whole: an
   * expired certificate also fails its path validation, and expiry is the better reason.
   */
  private static String tlsProblem(AmqpConfig config, Throwable e) {
    if (config.tls == null) {
      return null;
    }
    List<Throwable> causes = new ArrayList<>();
    for (Throwable t = e; t != null && !causes.contains(t); t = t.getCause()) {
      causes.add(t);
    }
    for (Throwable t : causes) {
      if (t instanceof CertificateExpiredException
          || t instanceof CertificateNotYetValidException) {
        return "the broker's certificate is outside its validity period ("
            + t.getMessage()
            + "); the broker must present a current certificate";
      }
    }
    for (Throwable t : causes) {
      String message = String.valueOf(t.getMessage());
      if (t instanceof CertificateException
          && (message.startsWith("No name matching")
              || message.startsWith("No subject alternative"))) {
        return "the broker's certificate is not issued for host "
            + config.hosts()
            + " ("
            + message
            + "); connect by a name the certificate holds (amqp.tls.verify_hostname = false"
            + " turns this check off)";
      }
    }
    for (Throwable t : causes) {
      if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
        return "the broker's certificate is not trusted: it is not signed by a CA in "
            + (config.tls.caFile == null
                ? "the JVM's trust store (set amqp.tls.ca_file to the CA that signed it)"
                : "amqp.tls.ca_file = " + config.tls.caFile);
      }
    }
    for (Throwable t : causes) {
      if (t instanceof SSLException
          && String.valueOf(t.getMessage()).startsWith("Unsupported or unrecognized SSL message")) {
        return (config.addresses.size() > 1 ? "ports " : "port ")
            + config.ports()
            + " does not speak TLS (is it the plain AMQP port? RabbitMQ's TLS port is usually"
            + " 5671)";
      }
    }
    boolean closed = causes.stream().anyMatch(AmqpMessageQueue::closedConnection);
    for (Throwable t : causes) {
      if (t instanceof SSLException && !closed) { // a closed connection may be transient
        return "the TLS handshake failed ("
            + t.getClass().getSimpleName()
            + ": "
            + t.getMessage()
            + "); "
            + clientCertificateQuestion(config);
      }
    }
    return null;
  }

  /**
   * A TLS connection reset or ended by the broker, or null. With TLS 1.3 the broker judges the
   * client certificate after the client's side of the handshake is done, and then closes the
   * connection: the client sees only a reset or an end of stream.
   */
  private static String closedOverTls(AmqpConfig config, Throwable e) {
    if (config.tls == null) {
      return null;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (closedConnection(t)) {
        return "the broker closed the TLS connection during the handshake ("
            + t.getClass().getSimpleName()
            + ": "
            + t.getMessage()
            + "); "
            + clientCertificateQuestion(config);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /** A reset or an end of stream, not a refused connection. */
  private static boolean closedConnection(Throwable t) {
    return (t instanceof SocketException
            && !(t instanceof ConnectException)
            && !(t instanceof NoRouteToHostException))
        || t instanceof EOFException;
  }

  private static String clientCertificateQuestion(AmqpConfig config) {
    return config.tls.clientCertificate
        ? "does the broker trust the client certificate presented?"
        : "does the broker require a client certificate (amqp.tls.cert_file and amqp.tls.key_file,"
            + " or amqp.tls.key_store)?";
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

  /** Stateless: the kept queue itself holds the progress. */
  @Override
  public DeadLetters deadLetters() {
    ensureOpen();
    return new DeadLetterOperations(new AmqpDeadLetters(this));
  }

  @Override
  protected boolean checkBroker(Map<String, Object> details) {
    details.put("broker", config.where());
    // The node each connection reached: after a recovery, the one it failed over to.
    if (consuming.getAddress() != null) {
      details.put(
          "connectedTo", consuming.getAddress().getHostAddress() + ":" + consuming.getPort());
    }
    if (publishing.getAddress() != null) {
      details.put(
          "publishingTo", publishing.getAddress().getHostAddress() + ":" + publishing.getPort());
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
