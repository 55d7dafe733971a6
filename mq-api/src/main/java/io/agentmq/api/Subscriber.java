package io.agentmq.api;

import java.util.List;

/**
 * A running subscription: delivers messages of its topics to its handler on the consumer's own
 * threads until closed. Create one with {@link MessageQueue#subscribe(Subscription)}.
 *
 * <p>All methods are thread-safe.
 */
public interface Subscriber extends AutoCloseable {

  List<String> topics();

  String group();

  /**
   * Stops fetching new messages. Handlers already running finish and are acknowledged; a delivery
   * that was being started as this is called may still run. Messages keep accumulating in the
   * broker and are delivered after {@link #resume()}.
   */
  void pause();

  /** Continues delivery after {@link #pause()}; nothing is lost or repeated in between. */
  void resume();

  boolean isPaused();

  /**
   * What the subscriber is doing: a {@link SubscriberStatus#problem() problem} once closed, when a
   * handler has run longer than {@code consumer.stall_timeout_ms} or a thread of it died. May ask
   * the broker (the lag on RabbitMQ): not for a tight loop.
   */
  SubscriberStatus status();

  /** {@link #status()} as health: UP unless it names a problem. */
  default Health health() {
    return status().toHealth();
  }

  /**
   * Stops fetching, waits up to {@code consumer.close_timeout_ms} for the handlers already running,
   * acknowledges what they finished and leaves the group; the group keeps its position for the next
   * consumer. Nothing is acknowledged that was not handled, so after a clean close the next
   * consumer of the group starts right after the last acknowledged message. A handler still running
   * at the timeout is logged and left to finish (its message is acknowledged if it succeeds).
   * Idempotent; may be called from a handler.
   */
  @Override
  void close();
}
