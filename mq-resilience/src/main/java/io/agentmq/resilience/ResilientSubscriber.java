package io.agentmq.resilience;

import io.agentmq.api.AsyncMessageHandler;
import io.agentmq.api.Delivery;
import io.agentmq.api.MessageHandler;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.Subscriber;
import io.agentmq.api.SubscriberStatus;
import io.agentmq.api.Subscription;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Subscriber} whose handler runs behind a resilience4j circuit breaker and a consume rate
 * limit.
 *
 * <ul>
 *   <li>Rate limit: each delivery takes a permit before the handler runs; a synchronous handler's
 *       consumer thread waits for it (at most the limit's max wait), an asynchronous handler is
 *       called from the time source's timer thread once its permit is due. Past the max wait the
 *       delivery fails as a retriable infrastructure failure: redelivered, none of its retries
 *       used.
 *   <li>Circuit breaker: handler failures that the {@link BreakerPolicy#counts() classifier} counts
 *       are recorded; when the breaker opens, the subscriber is paused (messages stay on the
 *       broker) and the delivery that opened it, like any delivery started while it is open, fails
 *       with a retriable {@link MessagingException}, so it is redelivered later as the same
 *       attempt. After {@link BreakerPolicy#openFor()} the breaker goes half-open and the
 *       subscriber resumes; successful probes close it, a failed one opens it again.
 *   <li>{@link #status()} and {@link #health()} are DOWN while the breaker is open or half-open,
 *       with its state, failure rate and the last counted failure's class and message (no payload).
 * </ul>
 *
 * <p>A redelivery the backend had already scheduled may still be offered while the subscriber is
 * paused; it is refused the same retriable way. Under {@code at_most_once} delivery there is no
 * redelivery: a delivery refused or failed by the breaker is dead-lettered like any failure.
 *
 * <p>{@link #pause()} by the user holds whatever the breaker does: the subscriber resumes only when
 * the user resumed it and the breaker is not open. All methods are thread-safe.
 */
public final class ResilientSubscriber implements Subscriber {
  private static final Logger log = LoggerFactory.getLogger(ResilientSubscriber.class);
  private static final int MAX_FAILURE_TEXT = 200;

  private final String name;
  private final BreakerPolicy breakerPolicy; // null: no breaker
  private final CircuitBreaker breaker; // null: no breaker
  private final Permits permits; // null: no rate limit
  private final TimeSource time;

  private volatile Subscriber delegate;
  private volatile String lastFailure;
  private boolean userPaused; // guarded by this
  private boolean closed; // guarded by this
  private Future<?> probe; // guarded by this

  private ResilientSubscriber(Subscription subscription, ConsumePolicy policy) {
    this.name = "group " + subscription.group() + " on " + subscription.topics();
    this.time = policy.time();
    this.breakerPolicy = policy.circuitBreaker().orElse(null);
    this.breaker = breakerPolicy == null ? null : newBreaker(name, breakerPolicy, time);
    this.permits =
        policy
            .rateLimit()
            .map(l -> new Permits("consume rate limit of " + name, l, time))
            .orElse(null);
    if (breaker != null) {
      breaker
          .getEventPublisher()
          .onStateTransition(e -> onTransition(e.getStateTransition().getToState()));
    }
  }

  static ResilientSubscriber start(
      MessageQueue queue, Subscription subscription, ConsumePolicy policy) {
    ResilientSubscriber subscriber = new ResilientSubscriber(subscription, policy);
    Subscriber started = queue.subscribe(subscriber.guarded(subscription));
    subscriber.delegate = started;
    // The breaker may have opened before subscribe returned.
    subscriber.applyState();
    return subscriber;
  }

  private static CircuitBreaker newBreaker(String name, BreakerPolicy policy, TimeSource time) {
    CircuitBreakerConfig config =
        CircuitBreakerConfig.custom()
            .slidingWindow(
                (int) policy.window().getSeconds(),
                policy.minimumCalls(),
                CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
            .failureRateThreshold(policy.failureRateThreshold())
            // Slow handlers are the stall detector's business, not the breaker's.
            .slowCallRateThreshold(100)
            .slowCallDurationThreshold(Duration.ofDays(365))
            .waitDurationInOpenState(policy.openFor())
            .permittedNumberOfCallsInHalfOpenState(policy.probes())
            // The probe is scheduled on the time source, so tests drive it with their clock.
            .automaticTransitionFromOpenToHalfOpenEnabled(false)
            .ignoreException(failure -> !policy.counts().test(failure))
            .clock(time.clock())
            .currentTimestampFunction(clock -> time.nanoTime(), TimeUnit.NANOSECONDS)
            .build();
    return CircuitBreaker.of(name, config);
  }

  /** The subscription with its handler wrapped; every other option as given. */
  private Subscription guarded(Subscription s) {
    Subscription.Builder b =
        Subscription.to(s.topics().toArray(String[]::new))
            .group(s.group())
            .maxInFlight(s.maxInFlight())
            .observer(s.observer())
            .failureClassifier(s.failureClassifier());
    s.concurrency().ifPresent(b::concurrency);
    s.deliveryMode().ifPresent(b::deliveryMode);
    s.retryPolicy().ifPresent(b::retryPolicy);
    s.deadLetterPolicy().ifPresent(b::deadLetterPolicy);
    s.startFrom().ifPresent(b::startFrom);
    if (s.handler().isPresent()) {
      MessageHandler handler = s.handler().get();
      b.handler(d -> handle(handler, d));
    } else {
      AsyncMessageHandler handler = s.asyncHandler().orElseThrow();
      b.asyncHandler(d -> handleAsync(handler, d));
    }
    return b.build();
  }

  private void handle(MessageHandler handler, Delivery delivery) throws Exception {
    if (permits != null) {
      permits.acquire();
    }
    if (breaker == null) {
      handler.handle(delivery);
      return;
    }
    admit(delivery);
    long start = breaker.getCurrentTimestamp();
    try {
      handler.handle(delivery);
    } catch (Exception | Error failure) {
      Throwable outcome = failed(failure, start);
      if (outcome instanceof Exception e) {
        throw e;
      }
      throw (Error) outcome;
    }
    breaker.onSuccess(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit());
  }

  private CompletionStage<?> handleAsync(AsyncMessageHandler handler, Delivery delivery) {
    Duration wait;
    try {
      wait = permits == null ? Duration.ZERO : permits.reserve();
    } catch (MessagingException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (wait.isZero()) {
      return callAsync(handler, delivery);
    }
    CompletableFuture<Void> due = new CompletableFuture<>();
    time.schedule(wait, () -> due.complete(null));
    return due.thenCompose(ignored -> callAsync(handler, delivery));
  }

  private CompletionStage<Object> callAsync(AsyncMessageHandler handler, Delivery delivery) {
    if (breaker != null) {
      try {
        admit(delivery);
      } catch (MessagingException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    long start = breaker == null ? 0 : breaker.getCurrentTimestamp();
    CompletionStage<?> stage;
    try {
      stage = handler.handle(delivery);
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(breaker == null ? e : failed(e, start));
    }
    if (stage == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("the async handler returned a null stage"));
    }
    if (breaker == null) {
      return stage.thenApply(v -> v);
    }
    return stage.handle(
        (value, failure) -> {
          if (failure == null) {
            breaker.onSuccess(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit());
            return value;
          }
          Throwable cause =
              failure instanceof CompletionException && failure.getCause() != null
                  ? failure.getCause()
                  : failure;
          throw new CompletionException(failed(cause, start));
        });
  }

  /** Lets the delivery through the breaker, or fails it retriably while the breaker is open. */
  private void admit(Delivery delivery) {
    if (!breaker.tryAcquirePermission()) {
      applyState();
      throw MessagingException.retriable(
          "circuit breaker of "
              + name
              + " is "
              + breaker.getState()
              + ": message "
              + delivery.id()
              + " waits on the broker and is redelivered, using up none of its retries");
    }
  }

  /** Records a handler failure; what to throw instead: retriable if the breaker is now open. */
  private Throwable failed(Throwable failure, long start) {
    if (breakerPolicy.counts().test(failure)) {
      lastFailure = describe(failure);
    }
    breaker.onError(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit(), failure);
    if (breaker.getState() == CircuitBreaker.State.OPEN) {
      return MessagingException.retriable(
          "circuit breaker of "
              + name
              + " opened: the message is redelivered when it closes, using up none of its"
              + " retries",
          failure);
    }
    return failure;
  }

  private static String describe(Throwable failure) {
    String message = failure.getMessage();
    if (message == null) {
      return failure.getClass().getName();
    }
    int newline = message.indexOf('\n');
    String firstLine = newline < 0 ? message : message.substring(0, newline);
    if (firstLine.length() > MAX_FAILURE_TEXT) {
      firstLine = firstLine.substring(0, MAX_FAILURE_TEXT) + "...";
    }
    return failure.getClass().getName() + ": " + firstLine;
  }

  private void onTransition(CircuitBreaker.State to) {
    log.info("Circuit breaker of {} is now {}", name, to);
    synchronized (this) {
      if (probe != null) {
        probe.cancel(false);
        probe = null;
      }
      if (to == CircuitBreaker.State.OPEN && !closed) {
        probe = time.schedule(breakerPolicy.openFor(), this::probe);
      }
    }
    applyState();
  }

  private void probe() {
    if (breaker.getState() == CircuitBreaker.State.OPEN) {
      try {
        breaker.transitionToHalfOpenState();
      } catch (RuntimeException e) {
        // Another thread moved it on first; its transition applied the state.
        log.debug("Circuit breaker of {} did not go half-open: {}", name, e.toString());
      }
    }
  }

  /** Pauses the delegate while the user or an open breaker holds it, resumes it otherwise. */
  private synchronized void applyState() {
    Subscriber d = delegate;
    if (d == null || closed) {
      return;
    }
    boolean hold =
        userPaused || (breaker != null && breaker.getState() == CircuitBreaker.State.OPEN);
    if (hold && !d.isPaused()) {
      d.pause();
    } else if (!hold && d.isPaused()) {
      d.resume();
    }
  }

  /** The breaker's state, rate and last counted failure; empty when the policy has no breaker. */
  public Optional<BreakerStatus> breakerStatus() {
    if (breaker == null) {
      return Optional.empty();
    }
    CircuitBreaker.Metrics m = breaker.getMetrics();
    return Optional.of(
        new BreakerStatus(
            switch (breaker.getState()) {
              case CLOSED, DISABLED, METRICS_ONLY -> BreakerStatus.State.CLOSED;
              case HALF_OPEN -> BreakerStatus.State.HALF_OPEN;
              default -> BreakerStatus.State.OPEN;
            },
            m.getFailureRate(),
            m.getNumberOfBufferedCalls(),
            m.getNumberOfFailedCalls(),
            Optional.ofNullable(lastFailure)));
  }

  @Override
  public List<String> topics() {
    return delegate.topics();
  }

  @Override
  public String group() {
    return delegate.group();
  }

  /** Pauses until {@link #resume()}, whatever the breaker does meanwhile. */
  @Override
  public void pause() {
    synchronized (this) {
      userPaused = true;
    }
    applyState();
  }

  /** Resumes, unless the breaker is open: then the subscriber resumes when it probes. */
  @Override
  public void resume() {
    synchronized (this) {
      userPaused = false;
    }
    applyState();
  }

  @Override
  public boolean isPaused() {
    return delegate.isPaused();
  }

  /**
   * The wrapped subscriber's status; while the breaker is open or half-open, a problem saying so
   * and why. Details {@code circuitBreaker} (state), {@code circuitBreakerFailureRate}, {@code
   * circuitBreakerLastFailure} when a breaker is set, {@code rateLimit} when a limit is.
   */
  @Override
  public SubscriberStatus status() {
    SubscriberStatus s = delegate.status();
    Map<String, Object> details = new LinkedHashMap<>(s.details());
    Optional<String> problem = s.problem();
    if (permits != null) {
      details.put("rateLimit", permits.limit().toString());
    }
    Optional<BreakerStatus> b = breakerStatus();
    if (b.isPresent()) {
      BreakerStatus bs = b.get();
      details.put("circuitBreaker", bs.state().name());
      details.put("circuitBreakerFailureRate", bs.failureRate());
      bs.lastFailure().ifPresent(f -> details.put("circuitBreakerLastFailure", f));
      if (bs.isTripped()) {
        String why =
            "circuit breaker "
                + bs.state()
                + (bs.state() == BreakerStatus.State.OPEN ? " (consumer paused)" : " (probing)")
                + ": failure rate "
                + bs.failureRate()
                + "% of "
                + bs.bufferedCalls()
                + " calls, threshold "
                + breakerPolicy.failureRateThreshold()
                + "%"
                + bs.lastFailure().map(f -> "; last failure " + f).orElse("");
        problem = Optional.of(problem.map(p -> p + "; " + why).orElse(why));
      }
    }
    return new SubscriberStatus(
        s.group(),
        s.topics(),
        s.paused(),
        s.sinceLastActivity(),
        s.inFlight(),
        s.lag(),
        s.timeLags(),
        problem,
        details);
  }

  /** Stops the probe timer and closes the wrapped subscriber (see {@link Subscriber#close()}). */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      if (probe != null) {
        probe.cancel(false);
        probe = null;
      }
    }
    delegate.close();
  }
}
