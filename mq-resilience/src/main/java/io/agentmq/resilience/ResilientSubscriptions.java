package io.agentmq.resilience;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import java.util.Objects;

/**
 * Entry point: subscribes with a circuit breaker and a consume rate limit, and wraps producers in a
 * publish rate limit.
 *
 * <pre>{@code
 * ResilientSubscriber subscriber = ResilientSubscriptions.subscribe(queue,
 *     Subscription.to("orders.in").group("billing").handler(d -> bill(d)).build(),
 *     ConsumePolicy.none()
 *         .withCircuitBreaker(BreakerPolicy.opensAfter(5, Duration.ofSeconds(30)))
 *         .withRateLimit(RateLimit.perSecond(50)));
 * Producer producer = ResilientSubscriptions.rateLimited(queue.createProducer(),
 *     RateLimit.perSecond(200));
 * }</pre>
 */
public final class ResilientSubscriptions {
  private ResilientSubscriptions() {}

  /**
   * Subscribes {@code subscription} with its handler guarded by {@code policy}; every other option
   * of the subscription is kept. See {@link ResilientSubscriber} for what the breaker and the limit
   * do to deliveries.
   */
  public static ResilientSubscriber subscribe(
      MessageQueue queue, Subscription subscription, ConsumePolicy policy) {
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(subscription, "subscription");
    Objects.requireNonNull(policy, "policy");
    return ResilientSubscriber.start(queue, subscription, policy);
  }

  /** {@link #rateLimited(Producer, RateLimit, TimeSource)} on the system time. */
  public static Producer rateLimited(Producer producer, RateLimit limit) {
    return rateLimited(producer, limit, TimeSource.system());
  }

  /**
   * A producer that sends at most {@code limit.permits()} messages per period through {@code
   * producer}, shared by all threads using it. {@code send} blocks the calling thread until its
   * permit's period (at most the limit's max wait), then sends; past the max wait its future fails
   * with a retriable {@code MessagingException} naming the limit, and nothing is sent. Closing it
   * closes {@code producer}.
   */
  public static Producer rateLimited(Producer producer, RateLimit limit, TimeSource time) {
    Objects.requireNonNull(producer, "producer");
    return new RateLimitedProducer(producer, new Permits("publish rate limit", limit, time));
  }
}
