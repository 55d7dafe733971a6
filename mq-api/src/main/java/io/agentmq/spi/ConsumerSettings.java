package io.agentmq.spi;

import io.agentmq.api.AsyncMessageHandler;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.DeliveryObserver;
import io.agentmq.api.FailureClassifier;
import io.agentmq.api.MessageHandler;
import io.agentmq.api.MqConfig;
import io.agentmq.api.RetryPolicy;
import io.agentmq.api.StartPosition;
import io.agentmq.api.Subscription;
import io.agentmq.api.crypto.PayloadEncryption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A {@link Subscription} with every unset option filled from the {@link MqConfig}: what a backend
 * consumer runs with.
 *
 * @param handler the synchronous handler, or {@code null} when {@code asyncHandler} is set
 * @param asyncHandler the asynchronous handler, or {@code null} when {@code handler} is set
 * @param maxInFlight how many deliveries of one partition an async handler may have unfinished
 * @param maxMessageBytes the largest message a handler may send
 * @param observation told of each delivery: the queue's and the subscription's observers, the time
 *     lag and progress the subscriber's status reports
 * @param encryption the payload encryption the handler's deliveries and sends go through, if any
 * @param failureClassifier what a handler failure means for its message
 */
public record ConsumerSettings(
    List<String> topics,
    String group,
    MessageHandler handler,
    AsyncMessageHandler asyncHandler,
    int concurrency,
    int maxInFlight,
    DeliveryMode deliveryMode,
    RetryPolicy retryPolicy,
    DeadLetterPolicy deadLetterPolicy,
    StartPosition startFrom,
    Duration closeTimeout,
    Duration stallTimeout,
    int maxMessageBytes,
    ConsumerObservation observation,
    Optional<PayloadEncryption> encryption,
    FailureClassifier failureClassifier) {

  /**
   * Settings without payload encryption, with {@link FailureClassifier#DEFAULT}, told only to
   * {@code observer}: for a consumer built outside a queue.
   */
  public ConsumerSettings(
      List<String> topics,
      String group,
      MessageHandler handler,
      AsyncMessageHandler asyncHandler,
      int concurrency,
      int maxInFlight,
      DeliveryMode deliveryMode,
      RetryPolicy retryPolicy,
      DeadLetterPolicy deadLetterPolicy,
      StartPosition startFrom,
      Duration closeTimeout,
      Duration stallTimeout,
      int maxMessageBytes,
      DeliveryObserver observer) {
    this(
        topics,
        group,
        handler,
        asyncHandler,
        concurrency,
        maxInFlight,
        deliveryMode,
        retryPolicy,
        deadLetterPolicy,
        startFrom,
        closeTimeout,
        stallTimeout,
        maxMessageBytes,
        ConsumerObservation.of(observer, stallTimeout),
        Optional.empty(),
        FailureClassifier.DEFAULT);
  }

  /**
   * The group's retry topics, where Kafka and the memory backend park non-blocking retries: one per
   * topic when the retry policy parks any ({@link RetryPolicy#parks()}) or a failure classifier of
   * the subscription's own may, else none. Their consumer is the subscription's own.
   */
  public List<String> retryTopics() {
    boolean mayPark = retryPolicy.parks() || failureClassifier != FailureClassifier.DEFAULT;
    if (!mayPark || deliveryMode == DeliveryMode.AT_MOST_ONCE) {
      return List.of();
    }
    return topics.stream().map(t -> RetryPolicy.retryTopic(t, group)).toList();
  }

  /** {@link #topics()} and {@link #retryTopics()}: what a Kafka or memory consumer reads. */
  public List<String> topicsWithRetries() {
    List<String> retries = retryTopics();
    if (retries.isEmpty()) {
      return topics;
    }
    List<String> all = new java.util.ArrayList<>(topics);
    all.addAll(retries);
    return List.copyOf(all);
  }

  /**
   * {@code s} with its unset options from {@code config}; its deliveries are told to {@code
   * observers} (the queue's) and to the subscription's own observer.
   */
  public static ConsumerSettings of(Subscription s, MqConfig config, MessagingObservers observers) {
    return new ConsumerSettings(
        s.topics(),
        s.group(),
        s.handler().orElse(null),
        s.asyncHandler().orElse(null),
        s.concurrency().orElse(config.consumerConcurrency()),
        s.maxInFlight(),
        s.deliveryMode().orElse(config.deliveryMode()),
        s.retryPolicy().orElse(config.retryPolicy()),
        s.deadLetterPolicy().orElse(config.deadLetterPolicy()),
        s.startFrom().orElse(config.startFrom()),
        config.closeTimeout(),
        config.stallTimeout(),
        config.maxMessageBytes(),
        new ConsumerObservation(observers, s.observer(), config.stallTimeout()),
        config.encryption(),
        s.failureClassifier());
  }
}
