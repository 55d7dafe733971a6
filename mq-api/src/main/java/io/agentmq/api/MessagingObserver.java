package io.agentmq.api;

import java.util.Optional;

/**
 * Told what every consumer and producer of a {@link MessageQueue} does — deliveries handed to
 * handlers, how each was settled and how long its handler took, publishes and their failures — so
 * metrics, tracing and tests observe the messaging without wrapping it. Added with {@link
 * MessageQueue#observe}; {@code mq-micrometer} binds one to Micrometer meters, {@code
 * mq-opentelemetry} makes spans with two hooks that may act: {@link #sending} (add headers to what
 * goes out) and {@link #handling} (make a context current while the handler runs).
 *
 * <p>Every method has an empty default: implement what you need. Methods are called on the
 * consumer's or producer's own threads, concurrently: they must be quick, thread-safe and must not
 * block. An exception one throws is logged and ignored; it never changes what happens to the
 * message.
 */
public interface MessagingObserver {

  /**
   * A subscriber of the queue started (one that runs when the observer is added is not told): e.g.
   * to register its meters before its first delivery.
   */
  default void subscribed(Subscriber subscriber) {}

  /** A delivery is about to be handed to its subscription's handler (again, on a retry). */
  default void delivered(Delivery delivery) {}

  /**
   * The handler is about to run for {@code delivery}, on this thread: returns what to close on this
   * thread once the handler returned (an asynchronous handler: once it returned its stage), e.g. a
   * trace context made current. Nothing by default.
   */
  default Scope handling(Delivery delivery) {
    return Scope.NONE;
  }

  /**
   * A delivery was settled as the handler-outcome rules decided, after the backend acted on it.
   *
   * @param outcome what was done with it
   * @param failure why the handler failed; empty when it succeeded
   * @param handlerNanos from {@link #delivered} to settled: the handler and the settling
   */
  default void settled(
      Delivery delivery, Outcome outcome, Optional<Throwable> failure, long handlerNanos) {}

  /**
   * A message is about to be sent to {@code topic}: by one of the queue's producers (a handler's
   * sends included), or by a consumer as a dead letter or a parked retry. Returns the message to
   * send in its place — e.g. with trace headers added — or {@code message} itself (the default).
   * Called on the sender's thread, before the send's {@link #published} or {@link #publishFailed},
   * which are told the message returned here.
   */
  default Message sending(String topic, Message message) {
    return message;
  }

  /**
   * The broker stored a message sent to {@code topic} (see {@link #sending} for which).
   *
   * @param nanos from the send to the broker's acknowledgement
   */
  default void published(String topic, Message message, long nanos) {}

  /**
   * A send failed: refused at once (an invalid message) or not stored by the broker.
   *
   * @param nanos from the send to the failure
   */
  default void publishFailed(String topic, Message message, Throwable failure, long nanos) {}

  /** What {@link #handling} returns: closed on the handler's thread once the handler returned. */
  interface Scope extends AutoCloseable {
    /** Closes nothing. */
    Scope NONE = () -> {};

    @Override
    void close();
  }

  /** What {@link MessageQueue#observe} returns: closing it removes the observer. Idempotent. */
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }
}
