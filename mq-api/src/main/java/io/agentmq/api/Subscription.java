package io.agentmq.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a consumer reads (topics), as whom (group), with which handler and options. Options left
 * unset take their values from the {@link MqConfig} of the queue.
 *
 * <pre>{@code
 * queue.subscribe(Subscription.to("orders.in").group("billing").handler(d -> bill(d)).build());
 * }</pre>
 */
public final class Subscription {
  private final List<String> topics;
  private final String group;
  private final MessageHandler handler;
  private final AsyncMessageHandler asyncHandler;
  private final Integer concurrency;
  private final int maxInFlight;
  private final DeliveryMode deliveryMode;
  private final RetryPolicy retryPolicy;
  private final FailureClassifier failureClassifier;
  private final DeadLetterPolicy deadLetterPolicy;
  private final StartPosition startFrom;
  private final DeliveryObserver observer;

  private Subscription(Builder b) {
    this.topics = List.copyOf(b.topics);
    this.group = b.group;
    this.handler = b.handler;
    this.asyncHandler = b.asyncHandler;
    this.concurrency = b.concurrency;
    this.maxInFlight = b.maxInFlight;
    this.deliveryMode = b.deliveryMode;
    this.retryPolicy = b.retryPolicy;
    this.failureClassifier = b.failureClassifier;
    this.deadLetterPolicy = b.deadLetterPolicy;
    this.startFrom = b.startFrom;
    this.observer = b.observer;
  }

  /** Starts a subscription to one or more topics. */
  public static Builder to(String... topics) {
    Builder builder = new Builder();
    for (String topic : topics) {
      builder.topics.add(TopicSpec.requireValidName(topic));
    }
    return builder;
  }

  public List<String> topics() {
    return topics;
  }

  public String group() {
    return group;
  }

  /** The synchronous handler, if this subscription has one (else it has an async one). */
  public Optional<MessageHandler> handler() {
    return Optional.ofNullable(handler);
  }

  public Optional<AsyncMessageHandler> asyncHandler() {
    return Optional.ofNullable(asyncHandler);
  }

  public Optional<Integer> concurrency() {
    return Optional.ofNullable(concurrency);
  }

  /** Told how each delivery ended; {@link DeliveryObserver#NONE} by default. */
  public DeliveryObserver observer() {
    return observer;
  }

  /** How many deliveries of one partition an async handler may have unfinished (default 1). */
  public int maxInFlight() {
    return maxInFlight;
  }

  public Optional<DeliveryMode> deliveryMode() {
    return Optional.ofNullable(deliveryMode);
  }

  public Optional<RetryPolicy> retryPolicy() {
    return Optional.ofNullable(retryPolicy);
  }

  /** What a handler failure means for its message; {@link FailureClassifier#DEFAULT} unless set. */
  public FailureClassifier failureClassifier() {
    return failureClassifier;
  }

  public Optional<DeadLetterPolicy> deadLetterPolicy() {
    return Optional.ofNullable(deadLetterPolicy);
  }

  public Optional<StartPosition> startFrom() {
    return Optional.ofNullable(startFrom);
  }

  @Override
  public String toString() {
    return "Subscription{topics=" + topics + ", group=" + group + "}";
  }

  /** Builds a {@link Subscription}; not thread-safe. */
  public static final class Builder {
    private final List<String> topics = new ArrayList<>();
    private String group;
    private MessageHandler handler;
    private AsyncMessageHandler asyncHandler;
    private Integer concurrency;
    private int maxInFlight = 1;
    private DeliveryMode deliveryMode;
    private RetryPolicy retryPolicy;
    private FailureClassifier failureClassifier = FailureClassifier.DEFAULT;
    private DeadLetterPolicy deadLetterPolicy;
    private StartPosition startFrom;
    private DeliveryObserver observer = DeliveryObserver.NONE;

    private Builder() {}

    /**
     * The consumer group (required): every group gets every message once; consumers of one group
     * share them. Same character rules as a topic name.
     */
    public Builder group(String group) {
      if (!TopicSpec.isValidName(group)) {
        throw new IllegalArgumentException(
            "invalid consumer group "
                + (group == null ? "null" : "'" + group + "'")
                + ": a group name has "
                + TopicSpec.NAME_RULE);
      }
      this.group = group;
      return this;
    }

    public Builder handler(MessageHandler handler) {
      this.handler = Objects.requireNonNull(handler, "handler");
      this.asyncHandler = null;
      return this;
    }

    public Builder asyncHandler(AsyncMessageHandler handler) {
      this.asyncHandler = Objects.requireNonNull(handler, "handler");
      this.handler = null;
      return this;
    }

    /**
     * Threads handling messages at once (default {@code consumer.concurrency}). Order per key is
     * kept whatever the value; parallelism is bounded by the number of partitions.
     */
    public Builder concurrency(int threads) {
      if (threads < 1 || threads > 1024) {
        throw new IllegalArgumentException("concurrency must be in [1, 1024], was " + threads);
      }
      this.concurrency = threads;
      return this;
    }

    /**
     * Lets an {@link AsyncMessageHandler} start up to {@code deliveries} messages of one partition
     * before the first of them completes (default 1: one after the other). The handler is still
     * called in partition order, and a message's acknowledgement never moves the group's position
     * past an earlier message that is unfinished. The price: a message that fails is retried after
     * later ones were handled, and on Kafka those later ones are read again after it (at least
     * once, in order). Applies to {@code at_least_once} delivery on backends that read by position
     * (Kafka); the memory and RabbitMQ backends keep one delivery of a partition or key at a time.
     */
    public Builder maxInFlight(int deliveries) {
      if (deliveries < 1 || deliveries > 10_000) {
        throw new IllegalArgumentException("maxInFlight must be in [1, 10000], was " + deliveries);
      }
      this.maxInFlight = deliveries;
      return this;
    }

    public Builder deliveryMode(DeliveryMode mode) {
      this.deliveryMode = Objects.requireNonNull(mode, "deliveryMode");
      return this;
    }

    /** Maps handler failures to retry, park or dead-letter ({@link FailureClassifier}). */
    public Builder failureClassifier(FailureClassifier classifier) {
      this.failureClassifier = Objects.requireNonNull(classifier, "failureClassifier");
      return this;
    }

    public Builder retryPolicy(RetryPolicy policy) {
      this.retryPolicy = Objects.requireNonNull(policy, "retryPolicy");
      return this;
    }

    public Builder deadLetterPolicy(DeadLetterPolicy policy) {
      this.deadLetterPolicy = Objects.requireNonNull(policy, "deadLetterPolicy");
      return this;
    }

    /**
     * Where a group that never consumed these topics starts (default {@code consumer.start_from}).
     */
    public Builder startFrom(StartPosition position) {
      this.startFrom = Objects.requireNonNull(position, "startFrom");
      return this;
    }

    /** Told how each delivery ended: acknowledged, scheduled for redelivery, dead-lettered. */
    public Builder observer(DeliveryObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    public Subscription build() {
      if (topics.isEmpty()) {
        throw new IllegalArgumentException("a subscription needs at least one topic");
      }
      if (group == null) {
        throw new IllegalArgumentException("a subscription needs a consumer group: call group(..)");
      }
      if (handler == null && asyncHandler == null) {
        throw new IllegalArgumentException(
            "a subscription needs a handler: call handler(..) or asyncHandler(..)");
      }
      return new Subscription(this);
    }
  }
}
