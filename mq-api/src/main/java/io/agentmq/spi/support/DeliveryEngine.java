package io.agentmq.spi.support;

import io.agentmq.api.AsyncMessageHandler;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.DeliveryObserver;
import io.agentmq.api.FailureClassifier;
import io.agentmq.api.Headers;
import io.agentmq.api.InvalidMessageException;
import io.agentmq.api.Message;
import io.agentmq.api.MessageHandler;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MessagingObserver;
import io.agentmq.api.NonRetryableException;
import io.agentmq.api.Outcome;
import io.agentmq.api.Producer;
import io.agentmq.api.RetryPolicy;
import io.agentmq.api.crypto.PayloadDecryptionException;
import io.agentmq.api.crypto.PayloadEncryption;
import io.agentmq.spi.ConsumerObservation;
import io.agentmq.spi.ConsumerObservation.Lane;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.Settlement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler-outcome rules, shared by every backend: run the handler, then acknowledge, retry with
 * backoff, or dead-letter with the {@code mq-dlq-*} headers. A backend supplies the mechanics
 * through {@link Settlement}.
 *
 * <ul>
 *   <li>Handler returns (or its stage completes): acknowledge.
 *   <li>Handler fails and attempts remain: redeliver after {@link RetryPolicy#delayAfter}.
 *   <li>Handler fails for the infrastructure (a retriable {@link MessagingException} anywhere in
 *       its causes, e.g. an output the broker did not take in time): redeliver as the same attempt,
 *       using up none of the message's retries.
 *   <li>Handler throws {@link NonRetryableException}, or retries are used up: publish to {@code
 *       <topic>.deadletter}, then acknowledge. If that publish fails: redeliver (a duplicate at
 *       worst, never a loss).
 *   <li>Dead-lettering disabled: every failure is redelivered, however many attempts it takes.
 *   <li>{@link DeliveryMode#AT_MOST_ONCE}: acknowledge before the handler runs; a failure is
 *       dead-lettered at once (or, with dead-lettering off, discarded and logged at ERROR).
 * </ul>
 *
 * <p>Under exactly-once the handler sends through a {@link #handlerProducer staged producer}: the
 * engine hands its sends to {@link Settlement#publishOutputs} on success and drops them otherwise.
 * Every delivery and outcome is reported to the subscriber's {@link ConsumerObservation}: the
 * queue's observers, the subscription's {@link DeliveryObserver}, its time lag.
 *
 * <p>Thread-safe and allocation-free on the success path of a synchronous handler.
 *
 * @param <H> the backend's handle of a delivery, passed back to its {@link Settlement}
 */
public final class DeliveryEngine<H> {
  private static final Logger log = LoggerFactory.getLogger(DeliveryEngine.class);
  private static final int MAX_REASON_LENGTH = 1000;

  // Shared, already complete: the success path allocates nothing. Callers only read them.
  private static final CompletableFuture<Outcome> ACKNOWLEDGED =
      CompletableFuture.completedFuture(Outcome.ACKNOWLEDGED);
  private static final CompletableFuture<Outcome> REDELIVERY_SCHEDULED =
      CompletableFuture.completedFuture(Outcome.REDELIVERY_SCHEDULED);
  private static final CompletableFuture<Outcome> DISCARDED =
      CompletableFuture.completedFuture(Outcome.DISCARDED);

  private final MessageHandler handler;
  private final AsyncMessageHandler asyncHandler;
  private final boolean atMostOnce;
  private final RetryPolicy retryPolicy;
  private final DeadLetterPolicy deadLetterPolicy;
  private final boolean exactlyOnce;
  private final int maxMessageBytes;
  private final ConsumerObservation observation;
  private volatile Lane lastLane;
  private final Settlement<H> settlement;
  private final PayloadEncryption encryption; // null: payloads pass as they are
  private final FailureClassifier classifier;

  public DeliveryEngine(ConsumerSettings settings, Settlement<H> settlement) {
    this.handler = settings.handler();
    this.asyncHandler = settings.asyncHandler();
    this.atMostOnce = settings.deliveryMode() == DeliveryMode.AT_MOST_ONCE;
    this.retryPolicy = settings.retryPolicy();
    this.deadLetterPolicy = settings.deadLetterPolicy();
    this.exactlyOnce = settings.deliveryMode() == DeliveryMode.EXACTLY_ONCE;
    this.maxMessageBytes = settings.maxMessageBytes();
    this.observation = settings.observation();
    this.settlement = settlement;
    this.encryption = settings.encryption().orElse(null);
    this.classifier = settings.failureClassifier();
  }

  /**
   * The producer to put in a delivery: {@code shared} (the backend's), or under exactly-once a new
   * staged producer whose sends are published only if the delivery is acknowledged; with payload
   * encryption, one that encrypts what the handler sends.
   */
  public Producer handlerProducer(Producer shared) {
    return handlerProducer(shared, null);
  }

  /**
   * As {@link #handlerProducer(Producer)}, and under exactly-once each staged send gets an id
   * derived from {@code inputId} (the handled message's id) and its position among the handler's
   * sends: a handler run again after a crash sends the same ids, so a backend without atomic
   * publish-and-acknowledge lets the next exactly-once consumer recognise the repeats. Ids are set
   * before a payload is sealed, as encryption authenticates them.
   */
  public Producer handlerProducer(Producer shared, String inputId) {
    if (exactlyOnce) {
      return new StagedProducer(maxMessageBytes, encryption, inputId);
    }
    return encryption == null ? shared : new SealingProducer(shared, encryption);
  }

  /**
   * Handles one delivery and settles it. The stage completes once the delivery is settled (for a
   * synchronous handler: before this method returns) and never completes exceptionally. The
   * returned future may be shared: read it, never complete it.
   */
  public CompletableFuture<Outcome> process(Delivery delivery, H handle) {
    if (!delivery.message().headers().containsKey(Headers.RETRY_TOPIC)) {
      return processDelivery(delivery, handle, lane(delivery));
    }
    Delivery parked = parkedRetry(delivery);
    long wait = dueMillis(parked) - System.currentTimeMillis();
    if (wait > 0) {
      // A parked retry read before its time (its retry topic's partition waits, nothing else).
      redeliver(parked, handle, Duration.ofMillis(wait), parked.attempt());
      return REDELIVERY_SCHEDULED;
    }
    // A parked retry has waited on purpose: it counts in no partition's time lag.
    return processDelivery(withoutRetryHeaders(parked), handle, null);
  }

  /**
   * Schedules the redelivery of a failed delivery and reports it: the message stays unhandled in
   * its lane's time lag until the redelivery starts (or, if another consumer got it, a grace time
   * after it was due).
   */
  private void redelivered(
      Delivery delivery,
      H handle,
      Duration delay,
      int attempt,
      Throwable failure,
      Lane lane,
      long start) {
    redeliver(delivery, handle, delay, attempt);
    if (lane != null) {
      lane.redeliveryIn(delay);
    }
    observe(delivery, Outcome.REDELIVERY_SCHEDULED, failure, lane, start);
  }

  /** Schedules the redelivery; waiting it out is not a stall of the subscriber. */
  private void redeliver(Delivery delivery, H handle, Duration delay, int attempt) {
    observation.waiting(delay);
    settlement.redeliver(delivery, handle, delay, attempt);
  }

  /** The time-lag record of the delivery's partition: the last one, most often. */
  private Lane lane(Delivery delivery) {
    Lane last = lastLane;
    if (last != null
        && last.partition() == delivery.partition()
        && last.topic().equals(delivery.topic())) {
      return last;
    }
    Lane lane = observation.lane(delivery.topic(), delivery.partition());
    lastLane = lane;
    return lane;
  }

  private CompletableFuture<Outcome> processDelivery(Delivery delivery, H handle, Lane lane) {
    long start = observation.delivered(lane, delivery);
    if (!atMostOnce
        && deadLetterPolicy.enabled()
        && delivery.attempt() > retryPolicy.maxRetries() + 1) {
      // Attempts beyond the budget reach a handler only when earlier ones had no outcome at all:
      // the consumer process died while handling it (a crash, an OOM kill), and a backend counted
      // those attempts durably. Handing it out again would kill the next consumer too.
      int stopped = delivery.attempt() - 1;
      return deadLetter(
          delivery,
          handle,
          new NonRetryableException(
              "the consumer stopped while handling it, " + stopped + " time(s)"),
          "no outcome after "
              + stopped
              + " attempts (max_retries "
              + retryPolicy.maxRetries()
              + ")",
          lane,
          start);
    }
    if (atMostOnce) {
      settlement.acknowledge(delivery, handle);
    }
    // The handler alone sees the plaintext; settling and dead-lettering keep the bytes as stored.
    Delivery opened;
    try {
      opened = encryption == null ? delivery : encryption.open(delivery);
    } catch (PayloadDecryptionException e) {
      return failed(delivery, handle, e, lane, start);
    }
    if (handler != null) {
      try (MessagingObserver.Scope scope = observation.handling(opened)) {
        handler.handle(opened);
      } catch (Throwable t) {
        return failed(delivery, handle, t, lane, start);
      }
      return succeeded(delivery, handle, lane, start);
    }
    CompletionStage<?> stage;
    try (MessagingObserver.Scope scope = observation.handling(opened)) {
      stage = asyncHandler.handle(opened);
    } catch (Throwable t) {
      return failed(delivery, handle, t, lane, start);
    }
    if (stage == null) {
      return failed(
          delivery,
          handle,
          new IllegalStateException("the async handler returned null instead of a stage"),
          lane,
          start);
    }
    return stage
        .handle(
            (ignored, t) ->
                t == null
                    ? succeeded(delivery, handle, lane, start)
                    : failed(delivery, handle, unwrap(t), lane, start))
        .thenCompose(outcome -> outcome)
        .toCompletableFuture();
  }

  private CompletableFuture<Outcome> succeeded(Delivery delivery, H handle, Lane lane, long start) {
    if (!atMostOnce) {
      try {
        if (delivery.producer() instanceof StagedProducer staged) {
          settlement.publishOutputs(delivery, handle, staged.drain());
        }
        settlement.acknowledge(delivery, handle);
      } catch (RuntimeException e) {
        return failed(delivery, handle, e, lane, start);
      }
    }
    observe(delivery, Outcome.ACKNOWLEDGED, null, lane, start);
    return ACKNOWLEDGED;
  }

  private void observe(
      Delivery delivery, Outcome outcome, Throwable failure, Lane lane, long start) {
    observation.settled(lane, delivery, outcome, failure, start);
  }

  /** The handler's sends of a delivery that is not acknowledged are never published. */
  private static void discardOutputs(Delivery delivery) {
    if (delivery.producer() instanceof StagedProducer staged) {
      staged.discard();
    }
  }

  /**
   * Whether a handler failure on this attempt ends the message's retries: it is then dead-lettered
   * (or, with dead-lettering disabled under at-most-once, discarded); otherwise it is redelivered.
   * The one place this rule lives; callers that count outcomes use a {@link DeliveryObserver}.
   */
  private static boolean givesUp(
      Throwable failure, int attempt, boolean atMostOnce, RetryPolicy retryPolicy) {
    return atMostOnce
        || failure instanceof NonRetryableException
        || attempt > retryPolicy.maxRetries();
  }

  private CompletableFuture<Outcome> failed(
      Delivery delivery, H handle, Throwable failure, Lane lane, long start) {
    if (failure instanceof VirtualMachineError error) {
      throw error;
    }
    discardOutputs(delivery);
    int attempt = delivery.attempt();
    boolean nonRetryable = failure instanceof NonRetryableException;
    if (atMostOnce) {
      if (deadLetterPolicy.enabled()) {
        return deadLetter(
            delivery,
            handle,
            failure,
            "handler failed under at_most_once delivery, which never redelivers",
            lane,
            start);
      }
      log.error(
          "Message {} on '{}' (group {}) failed under at_most_once delivery with dead-lettering"
              + " disabled: it is discarded. {}",
          delivery.id(),
          delivery.topic(),
          delivery.group(),
          describe(failure));
      observe(delivery, Outcome.DISCARDED, failure, lane, start);
      return DISCARDED;
    }
    if (isInfrastructure(failure)) {
      Duration delay = retryPolicy.delayAfter(attempt);
      log.warn(
          "Message {} on '{}' (group {}) could not be handled for a retriable infrastructure"
              + " failure; redelivering in {} ms, still as attempt {} (it uses up none of its"
              + " retries). {}",
          delivery.id(),
          delivery.topic(),
          delivery.group(),
          delay.toMillis(),
          attempt,
          describe(failure));
      redelivered(delivery, handle, delay, attempt, failure, lane, start);
      return REDELIVERY_SCHEDULED;
    }
    FailureClassifier.Action action = classify(failure);
    if (deadLetterPolicy.enabled() && action == FailureClassifier.Action.DEAD_LETTER) {
      return deadLetter(
          delivery, handle, failure, "the failure classifier dead-letters it", lane, start);
    }
    if (deadLetterPolicy.enabled() && givesUp(failure, attempt, false, retryPolicy)) {
      return deadLetter(
          delivery,
          handle,
          failure,
          nonRetryable
              ? "non-retryable failure"
              : "failed " + attempt + " attempts (max_retries " + retryPolicy.maxRetries() + ")",
          lane,
          start);
    }
    if (action == FailureClassifier.Action.PARK || retryPolicy.parksAfter(attempt)) {
      return park(
          delivery,
          handle,
          failure,
          retryPolicy.parkedDelayAfter(attempt),
          attempt + 1,
          lane,
          start);
    }
    Duration delay = retryPolicy.delayAfter(attempt);
    log.warn(
        "Message {} on '{}' (group {}) failed attempt {}; redelivering in {} ms{}. {}",
        delivery.id(),
        delivery.topic(),
        delivery.group(),
        attempt,
        delay.toMillis(),
        deadLetterPolicy.enabled()
            ? ""
            : " (dead-lettering is disabled, so it is retried until it succeeds)",
        describe(failure));
    redelivered(delivery, handle, delay, attempt + 1, failure, lane, start);
    return REDELIVERY_SCHEDULED;
  }

  /** The classifier's action; a classifier that throws leaves the retry policy in charge. */
  private FailureClassifier.Action classify(Throwable failure) {
    try {
      FailureClassifier.Action action = classifier.classify(failure);
      return action == null ? FailureClassifier.Action.RETRY : action;
    } catch (RuntimeException e) {
      log.warn(
          "The failure classifier failed on {}: {}", failure.getClass().getName(), e.toString());
      return FailureClassifier.Action.RETRY;
    }
  }

  /**
   * Whether the failure is the infrastructure's and may pass (a {@link MessagingException} that
   * says it is retriable: a timeout, a broker restart), not the message's: anywhere in its causes,
   * as a handler may wrap it.
   */
  private static boolean isInfrastructure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof NonRetryableException) {
        return false;
      }
      if (t instanceof MessagingException m) {
        return m.isRetriable();
      }
    }
    return false;
  }

  private CompletableFuture<Outcome> deadLetter(
      Delivery delivery, H handle, Throwable failure, String why, Lane lane, long start) {
    String topic = DeadLetterPolicy.deadLetterTopic(delivery.topic());
    Message full = deadLetterOf(delivery, failure, why);
    Message deadLetter =
        full.serializedSizeEstimate() > maxMessageBytes ? withoutPayload(full) : full;
    if (deadLetter != full) {
      log.warn(
          "Message {} on '{}' (partition {}, offset {}) is dead-lettered without its {} payload"
              + " bytes: with the dead-letter headers it is over producer.max_message_bytes = {}",
          delivery.id(),
          delivery.topic(),
          delivery.partition(),
          delivery.offset(),
          full.payload().length,
          maxMessageBytes);
    }
    return publishDeadLetter(topic, deadLetter, delivery, handle)
        .exceptionallyCompose(
            publishFailure ->
                // The broker's own limit is lower than AgentMQ's: a dead letter without the
                // payload still says what failed and where the original was.
                unwrap(publishFailure) instanceof InvalidMessageException
                        && deadLetter.payload().length > 0
                    ? publishDeadLetter(topic, withoutPayload(full), delivery, handle)
                    : CompletableFuture.<Object>failedStage(publishFailure))
        .handle(
            (ignored, publishFailure) -> {
              if (publishFailure == null) {
                if (!atMostOnce) {
                  settlement.acknowledge(delivery, handle);
                }
                log.warn(
                    "Message {} on '{}' (group {}) dead-lettered to '{}' after {} attempt(s): {}",
                    delivery.id(),
                    delivery.topic(),
                    delivery.group(),
                    topic,
                    delivery.attempt(),
                    deadLetter.headers().get(Headers.DLQ_REASON));
                observe(delivery, Outcome.DEAD_LETTERED, failure, lane, start);
                return Outcome.DEAD_LETTERED;
              }
              if (atMostOnce) {
                log.error(
                    "Message {} on '{}' failed under at_most_once delivery and could not be"
                        + " dead-lettered to '{}': it is lost. {}",
                    delivery.id(),
                    delivery.topic(),
                    topic,
                    describe(unwrap(publishFailure)));
                observe(delivery, Outcome.DISCARDED, failure, lane, start);
                return Outcome.DISCARDED;
              }
              Duration delay = retryPolicy.delayAfter(delivery.attempt());
              log.error(
                  "Message {} on '{}' could not be dead-lettered to '{}'; redelivering in {} ms. {}",
                  delivery.id(),
                  delivery.topic(),
                  topic,
                  delay.toMillis(),
                  describe(unwrap(publishFailure)));
              // The dead-letter topic failed, not the message: the same attempt comes again.
              redelivered(delivery, handle, delay, delivery.attempt(), failure, lane, start);
              return Outcome.REDELIVERY_SCHEDULED;
            })
        .toCompletableFuture();
  }

  /**
   * A non-blocking retry: a copy of the stored message with its next attempt, the topic it came
   * from and when it is due goes to the group's retry topic (RabbitMQ: a wait queue), then the
   * delivery is acknowledged and the consumer goes on. If the copy cannot be stored, the delivery
   * is retried in place instead (nothing is lost).
   */
  private CompletableFuture<Outcome> park(
      Delivery delivery,
      H handle,
      Throwable failure,
      Duration delay,
      int nextAttempt,
      Lane lane,
      long start) {
    Message parked =
        withoutRetryHeaders(delivery.message())
            .header(Headers.ATTEMPT, Integer.toString(nextAttempt))
            .header(Headers.RETRY_TOPIC, delivery.topic())
            .header(Headers.RETRY_DUE, Long.toString(System.currentTimeMillis() + delay.toMillis()))
            .build();
    String retryTopic = RetryPolicy.retryTopic(delivery.topic(), delivery.group());
    CompletionStage<?> stored;
    try {
      stored =
          observation.publish(
              retryTopic,
              parked,
              m ->
                  settlement
                      .park(delivery, handle, retryTopic, m, delay)
                      .thenApply(r -> (Object) r)
                      .toCompletableFuture());
    } catch (RuntimeException e) {
      stored = CompletableFuture.failedStage(e);
    }
    return stored
        .handle(
            (ignored, storeFailure) -> {
              if (storeFailure == null) {
                settlement.acknowledge(delivery, handle);
                log.warn(
                    "Message {} on '{}' (group {}) failed attempt {}; parked for {} ms, the"
                        + " consumer goes on (attempt {} then). {}",
                    delivery.id(),
                    delivery.topic(),
                    delivery.group(),
                    delivery.attempt(),
                    delay.toMillis(),
                    nextAttempt,
                    describe(failure));
                observe(delivery, Outcome.RETRY_PARKED, failure, lane, start);
                return Outcome.RETRY_PARKED;
              }
              Duration inPlace = retryPolicy.delayAfter(delivery.attempt());
              log.error(
                  "Message {} on '{}' could not be parked in '{}'; retrying in place in {} ms. {}",
                  delivery.id(),
                  delivery.topic(),
                  retryTopic,
                  inPlace.toMillis(),
                  describe(unwrap(storeFailure)));
              redelivered(delivery, handle, inPlace, nextAttempt, failure, lane, start);
              return Outcome.REDELIVERY_SCHEDULED;
            })
        .toCompletableFuture();
  }

  /**
   * A delivery read from a retry topic, as a delivery of the topic it was parked from, with the
   * attempt it was parked for.
   */
  private static Delivery parkedRetry(Delivery delivery) {
    Message m = delivery.message();
    String topic = m.headers().get(Headers.RETRY_TOPIC);
    int attempt = delivery.attempt();
    String parked = m.headers().get(Headers.ATTEMPT);
    if (parked != null) {
      try {
        attempt = Math.max(attempt, Integer.parseInt(parked));
      } catch (NumberFormatException e) {
        // not ours: the backend's count stands
      }
    }
    return new Delivery(
        m,
        topic,
        delivery.partition(),
        delivery.offset(),
        delivery.group(),
        attempt,
        delivery.producer());
  }

  private static long dueMillis(Delivery delivery) {
    String due = delivery.message().headers().get(Headers.RETRY_DUE);
    try {
      return due == null ? 0 : Long.parseLong(due);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static Delivery withoutRetryHeaders(Delivery delivery) {
    return new Delivery(
        withoutRetryHeaders(delivery.message()).build(),
        delivery.topic(),
        delivery.partition(),
        delivery.offset(),
        delivery.group(),
        delivery.attempt(),
        delivery.producer());
  }

  /** A builder of {@code m} without the {@code mq-retry-*} headers. */
  private static Message.Builder withoutRetryHeaders(Message m) {
    Message.Builder b =
        Message.builder(m.payload())
            .id(m.id())
            .key(m.key().orElse(null))
            .timestamp(Instant.ofEpochMilli(m.timestampMillis()));
    m.headers()
        .forEach(
            (name, value) -> {
              if (!name.equals(Headers.RETRY_TOPIC) && !name.equals(Headers.RETRY_DUE)) {
                b.header(name, value);
              }
            });
    return b;
  }

  private CompletionStage<Object> publishDeadLetter(
      String topic, Message deadLetter, Delivery delivery, H handle) {
    try {
      return observation.publish(
          topic,
          deadLetter,
          m ->
              settlement
                  .publishDeadLetter(topic, m, delivery, handle)
                  .thenApply(r -> (Object) r)
                  .toCompletableFuture());
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
  }

  /**
   * A dead letter too large to publish, cut to its key and headers: the payload dropped (and the
   * original headers too, if they are what is large), {@value Headers#DLQ_PAYLOAD_DROPPED} saying
   * how many payload bytes were, and the original topic, partition and offset naming where to find
   * them.
   */
  private Message withoutPayload(Message deadLetter) {
    Message.Builder cut =
        Message.builder(new byte[0])
            .id(deadLetter.id())
            .key(deadLetter.key().orElse(null))
            .timestamp(Instant.ofEpochMilli(deadLetter.timestampMillis()));
    Message headersOnly =
        cut.headers(deadLetter.headers())
            .header(Headers.DLQ_PAYLOAD_DROPPED, Integer.toString(deadLetter.payload().length))
            .build();
    if (headersOnly.serializedSizeEstimate() <= maxMessageBytes) {
      return headersOnly;
    }
    Message.Builder bare =
        Message.builder(new byte[0])
            .id(deadLetter.id())
            .key(deadLetter.key().orElse(null))
            .timestamp(Instant.ofEpochMilli(deadLetter.timestampMillis()));
    headersOnly.headers().entrySet().stream()
        .filter(h -> h.getKey().startsWith(Headers.DLQ_PREFIX))
        .forEach(h -> bare.header(h.getKey(), h.getValue()));
    return bare.build();
  }

  /**
   * The dead letter of a delivery: the original payload and key untouched, the original headers,
   * and the {@code mq-dlq-*} headers.
   */
  public static Message deadLetterOf(Delivery delivery, Throwable failure, String why) {
    Message original = delivery.message();
    String reason = why + ": " + describe(failure);
    if (reason.length() > MAX_REASON_LENGTH) {
      reason = reason.substring(0, MAX_REASON_LENGTH - 3) + "...";
    }
    return original.toBuilder()
        .header(Headers.DLQ_REASON, reason)
        .header(Headers.DLQ_EXCEPTION, failure.getClass().getName())
        .header(Headers.DLQ_ORIGINAL_TOPIC, delivery.topic())
        .header(Headers.DLQ_ORIGINAL_PARTITION, Integer.toString(delivery.partition()))
        .header(Headers.DLQ_ORIGINAL_OFFSET, Long.toString(delivery.offset()))
        .header(Headers.DLQ_GROUP, delivery.group())
        .header(Headers.DLQ_ATTEMPTS, Integer.toString(delivery.attempt()))
        .header(Headers.DLQ_FAILED_AT, Long.toString(System.currentTimeMillis()))
        .build();
  }

  private static String describe(Throwable t) {
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
