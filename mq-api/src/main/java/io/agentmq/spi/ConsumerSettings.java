package io.agentmq.spi;

import io.agentmq.api.AsyncMessageHandler;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.DeliveryObserver;
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
 * @param observer told how each delivery ended
 * @param encryption the payload encryption the handler's deliveries and sends go through, if any
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
    DeliveryObserver observer,
    Optional<PayloadEncryption> encryption) {

  /** Settings without payload encryption. */
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
        observer,
        Optional.empty());
  }

  public static ConsumerSettings of(Subscription s, MqConfig config) {
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
        s.observer(),
        config.encryption());
  }
}
