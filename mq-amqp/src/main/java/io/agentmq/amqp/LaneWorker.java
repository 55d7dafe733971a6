package io.agentmq.amqp;

import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.Outcome;
import io.agentmq.api.Producer;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.Settlement;
import io.agentmq.spi.support.DeliveryEngine;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lane of an {@link AmqpSubscriber}: a thread that hands the deliveries dispatched to it to the
 * handler in arrival order and settles them on the subscriber's channel, retrying in place. While
 * the lane is idle and its handler fast, the channel's dispatch thread hands a delivery over itself
 * (see {@link #enqueue}).
 *
 * <p>An async handler may have up to the subscription's {@code maxInFlight} deliveries of the lane
 * unfinished (its window): the lane calls the handler for the next one while earlier ones await
 * their outputs' confirms. Acknowledgements leave in arrival order: one that finishes early waits
 * for every earlier delivery of the lane to finish, so nothing is acknowledged past an unfinished
 * delivery, and a crash redelivers the lane's unfinished tail in order.
 *
 * <p>A retry keeps the delivery unacknowledged in its place in the window and this thread waits out
 * the backoff, so the other keys of the lane wait too; the channel, the other lanes and heartbeats
 * go on. With a window over 1, deliveries after a retried one may have been handed to the handler
 * already: their handler calls came before the retry's (their acknowledgements still wait for it).
 *
 * <p>A delivery belongs to the {@link ConsumerChannel} generation that carried it. Once that
 * channel is lost, RabbitMQ has requeued the delivery and brings it again on the next channel: the
 * lane skips it if its turn has not come, stops retrying it, and the ack or nack of a handler still
 * running on it is dropped.
 */
final class LaneWorker implements Settlement<LaneWorker.InFlight> {
  private static final Logger log = LoggerFactory.getLogger(LaneWorker.class);

  /** The longest wait between two questions to an idempotency store that does not answer. */
  private static final Duration MAX_STORE_WAIT = Duration.ofSeconds(5);

  /**
   * A handler call that returns within this time (its outputs may still await their confirms) can
   * run on the channel's dispatch thread without holding up the other lanes noticeably.
   */
  private static final long INLINE_CALL_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

  /** Fast calls in a row before a lane's deliveries may run on the dispatch thread. */
  private static final int INLINE_AFTER_FAST_CALLS = 16;

  /** Wakes a lane waiting for work when the consumer closes. */
  private static final Inbound STOP = new Inbound("", Message.of(new byte[0]), -1, -1, 0, false);

  /** Wakes a lane waiting for work when a delivery of its window waits for a retry. */
  private static final Inbound RETRY = new Inbound("", Message.of(new byte[0]), -1, -1, 0, false);

  private final ConsumerSettings settings;
  private final AmqpMessageQueue queue;
  private final ConsumerChannel channel;
  private final HandledMessages handled;
  private final BlockingQueue<Inbound> inbox = new LinkedBlockingQueue<>();

  /**
   * Handed to the handler and not yet acknowledged or returned, in arrival order; guarded by this.
   */
  private final ArrayDeque<InFlight> window = new ArrayDeque<>();

  /** Window entries whose handler failed and that wait for their retry; guarded by this. */
  private final ArrayDeque<InFlight> retries = new ArrayDeque<>();

  private final int maxInFlight;
  private final DeliveryEngine<InFlight> engine;

  /**
   * Held by whichever thread runs the lane's deliveries: its own thread, or the channel's dispatch
   * thread running one in place (see {@link #enqueue}).
   */
  private final ReentrantLock turn = new ReentrantLock();

  /** Deliveries put in the inbox and not yet through {@link #handleSafely}; only they wait. */
  private final AtomicInteger queued = new AtomicInteger();

  /**
   * How many handler calls in a row returned within {@link #INLINE_CALL_NANOS}; the dispatch thread
   * runs a delivery in place only after {@link #INLINE_AFTER_FAST_CALLS} of them.
   */
  private volatile int fastCalls;

  private final Thread thread;
  private volatile boolean running = true;
  private volatile long busySince;

  /**
   * A delivery as dispatched to a lane, with the generation of the channel that carried it and its
   * delivery tag on that channel.
   *
   * @param attempt the attempt as far as the broker knows (quorum queues count redeliveries)
   * @param redelivered RabbitMQ's flag: an earlier delivery of it was not acknowledged
   */
  record Inbound(
      String topic, Message message, long generation, long tag, int attempt, boolean redelivered) {}

  /** One delivery in a lane's window: the engine's handle for it, across its retries. */
  static final class InFlight {
    final Inbound inbound;

    /** When its handler was last called. */
    long started = System.nanoTime();

    /** Its handler failed and it waits out a retry's backoff: not busy meanwhile. */
    boolean waiting;

    /** Set when the engine schedules a redelivery; the lane waits this long, then retries. */
    Duration retryDelay;

    /** The attempt the engine gives the redelivery. */
    int nextAttempt;

    /** Acknowledged by the engine: the ack leaves once every earlier delivery is done. */
    boolean acknowledged;

    /** Returned to the queue (nacked) or skipped: done, with nothing left to send. */
    boolean returned;

    InFlight(Inbound inbound) {
      this.inbound = inbound;
    }

    boolean done() {
      return acknowledged || returned;
    }
  }

  LaneWorker(
      String name,
      ConsumerSettings settings,
      AmqpMessageQueue queue,
      ConsumerChannel channel,
      HandledMessages handled) {
    this.settings = settings;
    this.queue = queue;
    this.channel = channel;
    this.handled = handled;
    this.maxInFlight = Math.max(1, settings.maxInFlight());
    this.engine = new DeliveryEngine<>(settings, this);
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /**
   * Called on the channel's dispatch thread: runs the delivery there when the lane is idle, else
   * queues it behind the lane's others for the lane's thread.
   *
   * <p>Running in place saves the hand-off to the lane's thread (a wake-up and a context switch per
   * delivery) and is what a plain client does. It happens only when nothing is queued or running on
   * the lane, the window has room and no retry waits (so nothing can overtake or block), no
   * idempotency store must be asked, and the lane's recent handler calls were all fast, so that a
   * slow handler never holds up the channel's other lanes more than once in a row.
   */
  void enqueue(Inbound inbound) {
    if (queued.get() == 0
        && fastCalls >= INLINE_AFTER_FAST_CALLS
        && !asksStore(inbound)
        && turn.tryLock()) {
      try {
        if (queued.get() == 0 && running && handleInPlace(inbound)) {
          return;
        }
      } finally {
        turn.unlock();
      }
    }
    queued.incrementAndGet();
    inbox.add(inbound);
  }

  /** Whether handling this delivery asks the idempotency store first (which may block). */
  private boolean asksStore(Inbound inbound) {
    return handled.deduplicates() || inbound.redelivered() && handled.countsHandlings();
  }

  /**
   * Hands a delivery to the engine on the calling thread if the window has room and no retry waits,
   * so nothing here can wait; false if it did not take it. Run with the {@link #turn} held.
   */
  private boolean handleInPlace(Inbound inbound) {
    if (channel.isRetired(inbound.generation())) {
      channel.skipped(inbound.generation(), inbound.tag());
      return true;
    }
    InFlight inFlight = new InFlight(inbound);
    synchronized (this) {
      if (window.size() >= maxInFlight || !retries.isEmpty()) {
        return false;
      }
      window.addLast(inFlight);
      updateBusy();
    }
    attemptSafely(inFlight, inbound.attempt());
    return true;
  }

  String name() {
    return thread.getName();
  }

  boolean isAlive() {
    return thread.isAlive();
  }

  /** When the running handler started; 0 when none runs. */
  long busySince() {
    return busySince;
  }

  /** Deliveries this lane holds: queued, plus those in its window. */
  int pending() {
    synchronized (this) {
      return inbox.size() + window.size();
    }
  }

  /**
   * Stops after the running handler, which is never interrupted: it finishes and is acknowledged. A
   * lane waiting for work or for a retry's backoff is woken.
   */
  void stop() {
    running = false;
    inbox.add(STOP);
    wake();
  }

  /** Ends a retry's backoff early, to see whether it still applies (closing, a channel lost). */
  void wake() {
    synchronized (this) {
      notifyAll();
    }
  }

  /** Waits until the thread ends, or {@code deadlineNanos} (a {@link System#nanoTime} value). */
  void awaitStop(long deadlineNanos) {
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining > 0 && thread != Thread.currentThread()) {
      try {
        TimeUnit.NANOSECONDS.timedJoin(thread, remaining);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Delivered to this lane but never handled: back to the queue, for the group's next consumer. */
  void returnUnhandled() {
    Inbound left;
    while ((left = inbox.poll()) != null) {
      if (left != STOP && left != RETRY) {
        channel.nack(left.generation(), left.tag());
      }
    }
  }

  private void run() {
    while (running) {
      InFlight retry;
      synchronized (this) {
        retry = retries.poll();
      }
      if (retry != null) {
        turn.lock();
        try {
          retry(retry);
        } finally {
          turn.unlock();
        }
        continue;
      }
      Inbound next;
      try {
        next = inbox.take();
      } catch (InterruptedException e) {
        return;
      }
      if (next == STOP || next == RETRY) {
        continue;
      }
      if (!running) {
        inbox.add(next); // returned to the queue by close()
        break;
      }
      turn.lock();
      try {
        handleSafely(next);
      } finally {
        queued.decrementAndGet();
        turn.unlock();
      }
    }
    finishWindow();
  }

  /** Handles a delivery unless its channel is gone; run with the {@link #turn} held. */
  private void handleSafely(Inbound next) {
    if (channel.isRetired(next.generation())) {
      channel.skipped(next.generation(), next.tag());
      return;
    }
    try {
      handle(next);
    } catch (Throwable t) {
      // The lane must outlive any one message; the message goes back to the queue.
      log.error("Handling delivery {} failed unexpectedly; returning it", next.tag(), t);
      channel.nack(next.generation(), next.tag());
      if (t instanceof VirtualMachineError error) {
        throw error;
      }
    }
  }

  private void handle(Inbound inbound) {
    int attempt = inbound.attempt();
    if (inbound.redelivered() && handled.countsHandlings()) {
      // A consumer may have died while handling it: this handling is counted durably first, so a
      // message that keeps killing its consumer runs out of attempts and is dead-lettered.
      Integer counted = countHandling(inbound);
      if (counted == null) {
        channel.nack(inbound.generation(), inbound.tag()); // closing while the store is down
        return;
      }
      attempt = Math.max(attempt, counted + 1);
    }
    if (!awaitRoom()) {
      channel.nack(inbound.generation(), inbound.tag()); // closing: the group's next consumer
      return;
    }
    InFlight inFlight = new InFlight(inbound);
    synchronized (this) {
      window.addLast(inFlight);
      updateBusy();
    }
    attemptSafely(inFlight, attempt);
  }

  /** {@link #attemptOf}; a failure of the lane's own (not the handler's) returns the delivery. */
  private void attemptSafely(InFlight inFlight, int attempt) {
    long start = System.nanoTime();
    try {
      attemptOf(inFlight, attempt);
      boolean fast = System.nanoTime() - start < INLINE_CALL_NANOS;
      int calls = fastCalls;
      fastCalls = fast ? Math.min(calls + 1, INLINE_AFTER_FAST_CALLS) : 0;
    } catch (Throwable t) {
      fastCalls = 0;
      // The lane must outlive any one message; the message goes back to the queue.
      log.error(
          "Handling delivery {} failed unexpectedly; returning it", inFlight.inbound.tag(), t);
      returned(inFlight);
      if (t instanceof VirtualMachineError error) {
        throw error;
      }
    }
  }

  /** Hands {@code inFlight} to the engine as {@code attempt}; it settles now or later. */
  private void attemptOf(InFlight inFlight, int attempt) {
    Inbound inbound = inFlight.inbound;
    if (handled.deduplicates()) {
      Boolean seen = handledBefore(inbound);
      if (seen == null) {
        returned(inFlight); // closing while the store is down
        return;
      }
      if (seen) {
        acknowledge(null, inFlight); // the group handled it before
        return;
      }
    }
    Message message =
        attempt > 1
            ? inbound.message().withHeader(Headers.ATTEMPT, Integer.toString(attempt))
            : inbound.message();
    Producer producer = engine.handlerProducer(queue.handlerProducer(), inbound.message().id());
    Delivery delivery =
        new Delivery(message, inbound.topic(), -1, -1, settings.group(), attempt, producer);
    CompletableFuture<Outcome> outcome;
    try {
      outcome = engine.process(delivery, inFlight);
    } finally {
      Thread.interrupted(); // a handler may leave the flag set
    }
    if (outcome.isDone()) {
      settled(inFlight, outcome.join());
    } else {
      outcome.thenAccept(o -> settled(inFlight, o));
    }
  }

  /** The engine's outcome for {@code inFlight}: a redelivery waits for the lane's thread. */
  private void settled(InFlight inFlight, Outcome outcome) {
    if (outcome == Outcome.REDELIVERY_SCHEDULED) {
      synchronized (this) {
        inFlight.waiting = true;
        updateBusy();
        retries.add(inFlight);
        notifyAll(); // a lane waiting for room retries it
      }
      inbox.add(RETRY);
    }
  }

  /** Waits out a failed delivery's backoff, then hands it out again, in its place in the window. */
  private void retry(InFlight inFlight) {
    Inbound inbound = inFlight.inbound;
    if (!awaitBackoff(inFlight.retryDelay, inbound.generation()) || !running) {
      returned(inFlight); // closing: the group's next consumer retries it
      return;
    }
    if (channel.isRetired(inbound.generation())) {
      channel.skipped(inbound.generation(), inbound.tag()); // it comes again on the new channel
      finished(inFlight, false);
      return;
    }
    synchronized (this) {
      inFlight.waiting = false;
      inFlight.started = System.nanoTime();
      updateBusy();
    }
    attemptSafely(inFlight, inFlight.nextAttempt);
  }

  /**
   * Waits until the window has room, retrying meanwhile what waits for a retry (only this thread
   * retries); false if the lane stops.
   */
  private boolean awaitRoom() {
    while (true) {
      InFlight retry;
      synchronized (this) {
        try {
          while (running && window.size() >= maxInFlight && retries.isEmpty()) {
            wait(100);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
        if (!running) {
          return false;
        }
        retry = retries.poll();
        if (retry == null) {
          return true;
        }
      }
      retry(retry);
    }
  }

  /**
   * Stopping: deliveries waiting for a retry go back to the queue; the thread then waits for the
   * handlers still running (never interrupted) so their acknowledgements leave in order.
   */
  private void finishWindow() {
    List<InFlight> pendingRetries;
    synchronized (this) {
      pendingRetries = List.copyOf(retries);
      retries.clear();
    }
    pendingRetries.forEach(this::returned);
    synchronized (this) {
      while (!window.isEmpty() && !channel.isRetired(window.peekFirst().inbound.generation())) {
        try {
          wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Returns a delivery of the window to its queue now (nothing after it waits for it). */
  private void returned(InFlight inFlight) {
    channel.nack(inFlight.inbound.generation(), inFlight.inbound.tag());
    finished(inFlight, false);
  }

  /**
   * Marks {@code inFlight} done (acknowledged, or returned to the queue) and sends the acks of the
   * window's finished head, in order. The acks leave outside the lane's lock: the channel may be
   * closing, and the subscriber wakes the lane while it retires that channel.
   */
  private void finished(InFlight inFlight, boolean acknowledged) {
    List<InFlight> ready = new java.util.ArrayList<>();
    synchronized (this) {
      if (acknowledged) {
        inFlight.acknowledged = true;
      } else {
        inFlight.returned = true;
      }
      InFlight head;
      while ((head = window.peekFirst()) != null && head.done()) {
        ready.add(window.pollFirst());
      }
      updateBusy();
      notifyAll();
    }
    for (InFlight f : ready) {
      if (f.acknowledged) {
        channel.ack(f.inbound.generation(), f.inbound.tag());
      }
    }
  }

  /**
   * When the oldest handler still running on the window started (0 when none runs): a delivery
   * waiting out a backoff is not a stuck handler. Guarded by this.
   */
  private void updateBusy() {
    long oldest = 0;
    for (InFlight f : window) {
      if (!f.done() && !f.waiting) {
        oldest = f.started;
        break;
      }
    }
    busySince = oldest;
  }

  /**
   * {@link HandledMessages#countHandling}, asked until the store answers; null if the lane stops.
   */
  private Integer countHandling(Inbound inbound) {
    return askStore(inbound, () -> handled.countHandling(inbound.message().id()));
  }

  /** Whether the group handled the delivery before; null if the lane stops meanwhile. */
  private Boolean handledBefore(Inbound inbound) {
    return askStore(inbound, () -> handled.seen(inbound.message().id()));
  }

  /**
   * Asks the idempotency store until it answers: an unreachable store holds the delivery and uses
   * up no attempt, as any infrastructure failure; null if the lane stops or the channel goes.
   */
  private <T> T askStore(Inbound inbound, Supplier<T> question) {
    Duration wait = Duration.ofMillis(100);
    while (true) {
      try {
        return question.get();
      } catch (RuntimeException e) {
        log.warn(
            "The idempotency store did not answer for message {} ({}); asking again in {} ms",
            inbound.message().id(),
            e.getMessage(),
            wait.toMillis());
        if (!awaitBackoff(wait, inbound.generation())
            || !running
            || channel.isRetired(inbound.generation())) {
          return null;
        }
        wait = wait.multipliedBy(2);
        if (wait.compareTo(MAX_STORE_WAIT) > 0) {
          wait = MAX_STORE_WAIT;
        }
      }
    }
  }

  /**
   * Waits out a retry's backoff; false if interrupted. {@link #stop()} ends it early, and so does
   * the loss of the channel of {@code generation} (see {@link #wake()}).
   */
  private synchronized boolean awaitBackoff(Duration delay, long generation) {
    long deadline = System.nanoTime() + delay.toNanos();
    try {
      long remaining;
      while (running
          && !channel.isRetired(generation)
          && (remaining = deadline - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(this, remaining);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * After the handler returned; at-most-once: before it runs (the engine's order). The ack leaves
   * once every earlier delivery of the lane is done.
   */
  @Override
  public void acknowledge(Delivery delivery, InFlight inFlight) {
    finished(inFlight, true);
  }

  /**
   * Exactly-once: the outputs are confirmed, and the id recorded, before the ack. Their ids were
   * derived from the delivery's id and their position when staged ({@link
   * io.agentmq.spi.support.DeliveryEngine#handlerProducer(Producer, String)}): a handler run again
   * after a crash between the confirms and the record publishes the same ids, which the next
   * exactly-once consumer recognises.
   */
  @Override
  public void publishOutputs(Delivery delivery, InFlight inFlight, List<Output> outputs) {
    CompletableFuture<?>[] confirms = new CompletableFuture<?>[outputs.size()];
    for (int i = 0; i < confirms.length; i++) {
      confirms[i] = queue.publisher().publish(outputs.get(i).topic(), outputs.get(i).message());
    }
    CompletableFuture.allOf(confirms).join();
    handled.remember(delivery.id());
  }

  /** The lane waits out the delay itself, holding the delivery (see the class comment). */
  @Override
  public void redeliver(Delivery delivery, InFlight inFlight, Duration delay, int attempt) {
    inFlight.retryDelay = delay;
    inFlight.nextAttempt = attempt;
  }

  /**
   * A non-blocking retry waits in a wait queue of its delay, whose TTL dead-letters it back into
   * the group's queue when due: the broker keeps the time, the lane goes on (no due header: it
   * arrives due).
   */
  @Override
  public CompletionStage<?> park(
      Delivery delivery, InFlight inFlight, String retryTopic, Message parked, Duration delay) {
    String waitQueue = queue.topology().waitQueue(delivery.topic(), settings.group(), delay);
    Message.Builder copy =
        Message.builder(parked.payload())
            .id(parked.id())
            .key(parked.key().orElse(null))
            .timestamp(java.time.Instant.ofEpochMilli(parked.timestampMillis()));
    parked
        .headers()
        .forEach(
            (name, value) -> {
              if (!name.equals(Headers.RETRY_DUE)) {
                copy.header(name, value);
              }
            });
    return queue.publisher().publish("", waitQueue, copy.build());
  }

  @Override
  public CompletionStage<?> publishDeadLetter(
      String topic, Message deadLetter, Delivery original, InFlight inFlight) {
    return queue.publisher().publish(topic, deadLetter);
  }
}
