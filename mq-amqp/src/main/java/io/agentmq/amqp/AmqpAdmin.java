package io.agentmq.amqp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.agentmq.api.Admin;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.MessagingException;
import io.agentmq.api.TopicSpec;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Topology and administration. Declarations go over AMQP; listing and describing ask the management
 * HTTP API (plugin {@code rabbitmq_management}), the broker's own record, so nothing is forgotten
 * across restarts.
 *
 * <p>Topology: topic → durable topic exchange; group → durable queue {@code <topic>.<group>} bound
 * with {@code #}, of {@code amqp.queue_type}; a topic's dead letters go to the exchange {@code
 * <topic>.deadletter}, whose queue {@code <topic>.deadletter.kept} is declared with it so no dead
 * letter is unroutable.
 */
final class AmqpAdmin implements Admin {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AmqpConfig config;
  private final Connection connection;
  private final HttpClient http;
  private final Set<String> declared = ConcurrentHashMap.newKeySet();

  /** Wait queues declared by this queue, to delete with their topic. */
  private final Set<String> waitQueues = ConcurrentHashMap.newKeySet();

  private Channel declaring;

  AmqpAdmin(AmqpConfig config, Connection connection) {
    this.config = config;
    this.connection = connection;
    this.http = httpClient(config);
  }

  /**
   * The management API's client: over {@code https://} it trusts what AMQP trusts ({@code
   * amqp.tls.ca_file}, else the JVM's trust store) and presents the same client certificate.
   */
  private static HttpClient httpClient(AmqpConfig config) {
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (config.tls != null) {
      builder.sslContext(config.tls.context);
    }
    return builder.build();
  }

  /** Declares the topic's exchanges and required queues once per queue instance. */
  Void ensureTopic(String topic) {
    if (!declared.contains(topic)) {
      declare(config.common.topic(topic)); // over AMQP only: no management API needed
    }
    return null;
  }

  @Override
  public boolean createTopic(TopicSpec spec) {
    boolean existed = exchangeExists(spec.name());
    declare(spec);
    return !existed;
  }

  /** Declares the exchanges and queues of a topic; idempotent. */
  private void declare(TopicSpec spec) {
    withChannel(
        ch -> {
          declareExchange(ch, spec.name());
          for (String group :
              config.requiredGroups.getOrDefault(spec.name(), java.util.List.of())) {
            declareQueue(ch, spec.name(), group);
          }
          String deadLetters = DeadLetterPolicy.deadLetterTopic(spec.name());
          if (config.common.deadLetterPolicy().enabled()
              && !spec.name().endsWith(DeadLetterPolicy.SUFFIX)
              && TopicSpec.isValidName(deadLetters)) {
            declareExchange(ch, deadLetters);
            declareQueue(ch, deadLetters, AmqpConfig.KEPT_GROUP);
            declared.add(deadLetters);
          }
          return null;
        },
        "declaring topic '" + spec.name() + "'");
    declared.add(spec.name());
  }

  /** Declares the group's queue and binds it; returns its name. */
  String declareGroupQueue(String topic, String group) {
    ensureTopic(topic);
    return withChannel(
        ch -> declareQueue(ch, topic, group), "declaring queue of group '" + group + "'");
  }

  /**
   * The wait queue where a non-blocking retry of {@code group}'s messages on {@code topic} waits
   * {@code delay}: a durable classic queue whose TTL dead-letters its messages, in order, back into
   * the group's queue (through the default exchange). Declared once per delay.
   */
  String waitQueue(String topic, String group, java.time.Duration delay) {
    String target = topic + "." + group;
    String name = target + ".wait." + delay.toMillis() + "ms";
    if (waitQueues.contains(name)) {
      return name;
    }
    withChannel(
        ch -> {
          Map<String, Object> args = new HashMap<>();
          args.put("x-queue-type", "classic");
          args.put("x-message-ttl", delay.toMillis());
          args.put("x-dead-letter-exchange", "");
          args.put("x-dead-letter-routing-key", target);
          ch.queueDeclare(name, true, false, false, args);
          return null;
        },
        "declaring wait queue '" + name + "'");
    waitQueues.add(name);
    return name;
  }

  private static void declareExchange(Channel ch, String name) throws IOException {
    ch.exchangeDeclare(name, BuiltinExchangeType.TOPIC, true);
  }

  private String declareQueue(Channel ch, String topic, String group) throws IOException {
    String queue = topic + "." + group;
    Map<String, Object> args = new HashMap<>();
    args.put("x-queue-type", config.queueType);
    if (config.singleActiveConsumer) {
      args.put("x-single-active-consumer", true);
    }
    ch.queueDeclare(queue, true, false, false, args);
    ch.queueBind(queue, topic, "#");
    return queue;
  }

  @Override
  public boolean deleteTopic(String name) {
    TopicSpec.requireValidName(name);
    if (!exchangeExists(name)) {
      return false;
    }
    JsonNode bindings =
        get("/api/exchanges/" + vhost() + "/" + enc(name) + "/bindings/source").orElseThrow();
    withChannel(
        ch -> {
          for (JsonNode b : bindings) {
            String queue = b.path("destination").asText();
            if (b.path("destination_type").asText().equals("queue")
                && queue.startsWith(name + ".")) {
              ch.queueDelete(queue);
            }
          }
          for (String wait : waitQueues) {
            if (wait.startsWith(name + ".")) {
              ch.queueDelete(wait);
              waitQueues.remove(wait);
            }
          }
          ch.exchangeDelete(name);
          return null;
        },
        "deleting topic '" + name + "'");
    declared.remove(name);
    return true;
  }

  @Override
  public boolean deleteGroup(String group) {
    JsonNode queues = get("/api/queues/" + vhost() + "?columns=name,type").orElseThrow();
    Set<String> topics = listTopics();
    boolean found = false;
    for (JsonNode q : queues) {
      String name = q.path("name").asText();
      if (name.endsWith("." + group)
          && topics.contains(name.substring(0, name.length() - group.length() - 1))) {
        // if-unused: the broker itself refuses while a consumer is attached (the management
        // API's consumer counts lag by seconds). Quorum queues refuse if-unused (with a
        // connection error): the consumer count is asked over AMQP first instead.
        boolean quorum = q.path("type").asText().equals("quorum");
        try (Channel ch = connection.createChannel()) {
          if (quorum) {
            int consumers = ch.queueDeclarePassive(name).getConsumerCount();
            if (consumers > 0) {
              throw new IllegalStateException(consumers + " consumer(s) attached");
            }
            ch.queueDelete(name);
          } else {
            ch.queueDelete(name, true, false);
          }
        } catch (IOException | RuntimeException e) {
          throw new IllegalStateException(
              "group '"
                  + group
                  + "' still has running consumers (or its queue "
                  + name
                  + " could not be deleted); close them before deleting it: "
                  + e.getMessage(),
              e);
        } catch (java.util.concurrent.TimeoutException e) {
          // the channel was closed by the refusal
        }
        found = true;
      }
    }
    return found;
  }

  @Override
  public Set<String> listTopics() {
    Set<String> topics = new TreeSet<>();
    for (JsonNode e : get("/api/exchanges/" + vhost() + "?columns=name,type").orElseThrow()) {
      String name = e.path("name").asText();
      if (e.path("type").asText().equals("topic") && !name.isEmpty() && !name.startsWith("amq.")) {
        topics.add(name);
      }
    }
    return topics;
  }

  /** A RabbitMQ topic is one exchange: one "partition", one copy of the exchange itself. */
  @Override
  public Optional<TopicSpec> describeTopic(String name) {
    TopicSpec.requireValidName(name);
    return exchangeExists(name)
        ? Optional.of(new TopicSpec(name, 1, 1, Optional.empty()))
        : Optional.empty();
  }

  /** Messages waiting in a queue, or -1 when unknown. */
  long depth(String queue) {
    try {
      return withChannel(ch -> ch.messageCount(queue), "reading the depth of '" + queue + "'");
    } catch (MessagingException e) {
      return -1;
    }
  }

  private boolean exchangeExists(String name) {
    return get("/api/exchanges/" + vhost() + "/" + enc(name)).isPresent();
  }

  private interface ChannelWork<T> {
    T run(Channel ch) throws IOException;
  }

  /**
   * Runs declarations on one long-lived channel: automatic recovery re-declares what was declared
   * on the channel it was declared on, so that channel must still be open after a reconnect.
   */
  private synchronized <T> T withChannel(ChannelWork<T> work, String what) {
    try {
      if (declaring == null || !declaring.isOpen()) {
        declaring = connection.createChannel();
      }
      return work.run(declaring);
    } catch (IOException | RuntimeException e) {
      throw MessagingException.retriable(what + " failed: " + e, e);
    }
  }

  /** GET on the management API; empty on 404. */
  private Optional<JsonNode> get(String path) {
    String[] credentials = config.credentials();
    String auth =
        Base64.getEncoder()
            .encodeToString(
                (credentials[0] + ":" + credentials[1]).getBytes(StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(config.managementUrl.toString().replaceAll("/$", "") + path))
            .header("Authorization", "Basic " + auth)
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 404) {
        return Optional.empty();
      }
      if (response.statusCode() != 200) {
        String problem =
            "RabbitMQ management API at "
                + config.managementWhere()
                + " answered "
                + response.statusCode()
                + " to GET "
                + path
                + "; is the rabbitmq_management plugin enabled and may this user read it?";
        throw response.statusCode() >= 500
            ? MessagingException.retriable(problem)
            : MessagingException.permanent(problem);
      }
      return Optional.of(JSON.readTree(response.body()));
    } catch (IOException e) {
      throw MessagingException.retriable(
          "RabbitMQ management API at "
              + config.managementWhere()
              + " cannot be reached ("
              + e.getClass().getSimpleName()
              + "); enable the rabbitmq_management plugin or set amqp.management_url",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw MessagingException.retriable("interrupted asking the RabbitMQ management API", e);
    }
  }

  private String vhost() {
    return enc(config.virtualHost());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
