package io.agentmq.agents.runtime;

import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An agent service: a name, the consumer group it reads in, the topics it reads and a handler for
 * each message type it accepts. A message of any other type is dead-lettered with a reason naming
 * the accepted ones; a message that names no type (a client that is not AgentMQ sent bare protobuf)
 * is decoded as the type its topic's handler takes, when the topic has one.
 *
 * <pre>{@code
 * AgentService.named("request-planner")
 *     .group("request-planner")
 *     .on("plan.in", ChangeRequest.class, (request, context) -> ...)
 *     .build();
 * }</pre>
 */
public final class AgentService {
  private final String name;
  private final String group;
  private final int concurrency;
  private final int maxInFlight;
  private final List<String> topics;
  private final Map<Class<? extends Message>, AgentHandler<? extends Message>> handlers;
  private final Map<String, List<Class<?>>> typesByTopic;

  private AgentService(Builder b) {
    this.name = b.name;
    this.group = Objects.requireNonNull(b.group, () -> "group of service " + b.name);
    this.concurrency = b.concurrency;
    this.maxInFlight = b.maxInFlight;
    this.topics = List.copyOf(b.topics);
    this.handlers = Map.copyOf(b.handlers);
    Map<String, List<Class<?>>> types = new LinkedHashMap<>();
    b.typesByTopic.forEach((topic, list) -> types.put(topic, List.copyOf(list)));
    this.typesByTopic = Map.copyOf(types);
    if (topics.isEmpty()) {
      throw new IllegalArgumentException("service " + name + " reads no topic; add one with on()");
    }
  }

  public static Builder named(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  public String group() {
    return group;
  }

  public List<String> topics() {
    return topics;
  }

  /** Handler threads; 0 means the queue's {@code consumer.concurrency}. */
  public int concurrency() {
    return concurrency;
  }

  /**
   * Messages of one partition handled before the first one's outputs are stored (default 1); see
   * {@link io.agentmq.api.Subscription.Builder#maxInFlight(int)}.
   */
  public int maxInFlight() {
    return maxInFlight;
  }

  /** The handler of {@code type}, or null when the service does not accept it. */
  @SuppressWarnings("unchecked")
  <T extends Message> AgentHandler<T> handler(Class<T> type) {
    return (AgentHandler<T>) handlers.get(type);
  }

  /** The types this service's handlers take from {@code topic}. */
  List<Class<?>> typesOn(String topic) {
    return typesByTopic.getOrDefault(topic, List.of());
  }

  /** The accepted types' simple names, for error messages. */
  List<String> acceptedTypes() {
    List<String> names = new ArrayList<>();
    handlers.keySet().forEach(type -> names.add(type.getSimpleName()));
    names.sort(null);
    return names;
  }

  @Override
  public String toString() {
    return name + " (group " + group + ", topics " + topics + ")";
  }

  /** Collects a service's topics and handlers; not thread-safe. */
  public static final class Builder {
    private final String name;
    private String group;
    private int concurrency;
    private int maxInFlight = 1;
    private final LinkedHashSet<String> topics = new LinkedHashSet<>();
    private final Map<Class<? extends Message>, AgentHandler<? extends Message>> handlers =
        new LinkedHashMap<>();
    private final Map<String, List<Class<?>>> typesByTopic = new LinkedHashMap<>();

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    public Builder group(String group) {
      this.group = group;
      return this;
    }

    /**
     * Handler threads (messages of one key stay in order); default {@code consumer.concurrency}.
     */
    public Builder concurrency(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("concurrency of " + name + " must be at least 1");
      }
      this.concurrency = threads;
      return this;
    }

    /**
     * Lets the handler take the partition's next messages while up to {@code messages} wait for
     * their outputs to be stored (default 1). Handler calls stay in order; a message is
     * acknowledged only after every earlier one.
     */
    public Builder maxInFlight(int messages) {
      if (messages < 1) {
        throw new IllegalArgumentException("maxInFlight of " + name + " must be at least 1");
      }
      this.maxInFlight = messages;
      return this;
    }

    /** Reads {@code topic} and handles its messages of {@code type} with {@code handler}. */
    public <T extends Message> Builder on(String topic, Class<T> type, AgentHandler<T> handler) {
      topics.add(Objects.requireNonNull(topic, "topic"));
      if (handlers.putIfAbsent(type, Objects.requireNonNull(handler, "handler")) != null) {
        throw new IllegalArgumentException(
            "service " + name + " has two handlers for " + type.getSimpleName());
      }
      typesByTopic.computeIfAbsent(topic, t -> new ArrayList<>()).add(type);
      return this;
    }

    public AgentService build() {
      return new AgentService(this);
    }
  }
}
