package io.agentmq.kafka.consumer;

import io.agentmq.api.Subscriber;
import io.agentmq.api.SubscriberStatus;
import io.agentmq.spi.ConsumerSettings;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription on Kafka: one poll thread owns the {@link KafkaConsumer} ({@link PollLoop});
 * records go to a queue per partition ({@link PartitionWorker}), drained in order by a pool of
 * {@code concurrency} worker threads (one partition at a time per thread, so order per key holds
 * and partitions run in parallel).
 *
 * <p>Offsets are committed by the poll thread ({@link OffsetCommitter}), only up to the last
 * message that was acknowledged or dead-lettered: partitions are handled in order, so everything
 * before it is done too. A retry pauses its partition and, after the backoff, seeks back to the
 * failed record and resumes ({@link PartitionSeeks}, {@link RetryAttempts}); the poll loop keeps
 * running meanwhile, so the group session never expires. On revoke, the running handler of each
 * revoked partition is awaited, what is done is committed and the rest is dropped ({@link
 * PartitionRebalancer}).
 *
 * <p>A process that dies in a handler counts as an attempt of that message: commits made while the
 * consumer runs are marked {@code running}, clean ones only on revoke and close ({@link
 * CommitMarker}); the next owner of a partition left running hands its records out one at a time,
 * committing each one's attempt first ({@link CrashRecovery}), so a message that keeps killing its
 * consumer reaches the dead-letter topic once its attempts are used up. Exactly-once needs none of
 * this: the next owner's producer fences the dead one's transaction. A handler ending with a {@link
 * VirtualMachineError} is never committed past and makes {@link #status()} DOWN ({@link
 * PartitionWorker}). At-most-once commits the fetched offsets before handing records to the
 * handler.
 *
 * <p>Exactly-once reads {@code read_committed} and gives each partition a transactional producer
 * ({@link TransactionalProducers}); a worker handles a batch of a partition's records inside one
 * transaction ({@link TransactionalDrain}). How records reach the handler is picked once from the
 * settings ({@link DrainStrategy#of}).
 *
 * <p>A member whose poll loop was silent longer than the group's session (the process was frozen, a
 * long GC pause) may have lost its partitions without knowing: it hands nothing out, asks the group
 * to rebalance, and goes on with what the new assignment gives it ({@link
 * RunState#membershipInDoubt}), so a thawed zombie does not handle what the group gave away.
 *
 * <p>A poll loop that fails (the client threw something fatal, e.g. another member fenced its
 * static group membership) is replaced by a new one, with a new client, after a backoff from 100 ms
 * doubling to 30 s; until it runs again {@link #status()} is DOWN with the cause ({@link
 * LoopRestarts}). A {@link VirtualMachineError} is not retried: the JVM may not be sound.
 *
 * <p>This class is the facade: it builds the rooms, and answers pause, resume, health and close.
 */
public final class KafkaSubscriber implements Subscriber {
  private static final Logger log = LoggerFactory.getLogger(KafkaSubscriber.class);

  /** How long close() waits for the poll thread beyond {@code consumer.close_timeout_ms}. */
  private static final long CLOSE_GRACE_MILLIS = 10_000;

  private final ConsumerSettings settings;
  private final QueueLink link;
  private final Consumer<? super KafkaSubscriber> onClose;
  private final RunState state = new RunState();
  private final ConsumerThreads threads;
  private final LoopRestarts restarts;
  private volatile PollLoop loop;
  private final Thread pollThread;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Subscribes at once, on a poll thread of its own; {@link #awaitAssignment} waits for the group.
   *
   * @param onClose told once this consumer is closed
   */
  public KafkaSubscriber(
      ConsumerSettings settings, QueueLink link, Consumer<? super KafkaSubscriber> onClose) {
    this.settings = settings;
    this.link = link;
    this.onClose = onClose;
    this.threads = new ConsumerThreads(settings.group());
    this.restarts = new LoopRestarts(settings.group());
    this.loop = newLoop();
    this.pollThread = threads.start("poll", this::runLoops);
  }

  /** A poll loop with a new client, worker pool and transactional producers. */
  private PollLoop newLoop() {
    var consumer = new KafkaConsumer<byte[], byte[]>(link.consumerProperties());
    ExecutorService workers = threads.newWorkerPool(settings.concurrency());
    TransactionalProducers transactions =
        new TransactionalProducers(
            settings.group(),
            id -> new KafkaProducer<>(link.transactionalProducerProperties().apply(id)),
            state);
    return new PollLoop(
        consumer,
        settings,
        link,
        state,
        workers,
        DrainStrategy.of(settings, link, transactions),
        transactions);
  }

  /**
   * The poll thread: runs the loop, and when it fails (not closed, not a VirtualMachineError)
   * starts a new one after a backoff, until the subscriber is closed ({@link LoopRestarts}).
   */
  private void runLoops() {
    while (true) {
      PollLoop current = loop;
      current.run();
      Throwable failure = current.failure();
      if (failure == null || closed.get() || !state.running() || failure instanceof Error) {
        return;
      }
      while (true) {
        if (!restarts.awaitNext(failure)) {
          return; // closed meanwhile
        }
        try {
          loop = newLoop();
          break;
        } catch (RuntimeException e) {
          failure = e; // the client could not even be created: wait longer, try again
        }
      }
      restarts.started();
    }
  }

  /** Waits until the group gave this consumer its first assignment (possibly empty). */
  public void awaitAssignment() {
    try {
      if (!loop.awaitFirstAssignment(link.requestTimeout().multipliedBy(2))) {
        log.warn(
            "Consumer of {} (group {}) has no partition assignment yet; it will start when the"
                + " group assigns one",
            settings.topics(),
            settings.group());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public List<String> topics() {
    return settings.topics();
  }

  @Override
  public String group() {
    return settings.group();
  }

  @Override
  public void pause() {
    state.pause();
    loop.pauseAll();
  }

  @Override
  public void resume() {
    state.resume();
    loop.resumeAll();
  }

  @Override
  public boolean isPaused() {
    return state.paused();
  }

  @Override
  public SubscriberStatus status() {
    long now = System.nanoTime();
    long lastPoll = loop.lastPollNanos();
    Map<TopicPartition, PartitionWorker> partitions = loop.partitions();
    OptionalLong lag = loop.lag() < 0 ? OptionalLong.empty() : OptionalLong.of(loop.lag());
    return new SubscriberStatus(
        settings.group(),
        settings.topics(),
        state.paused(),
        Duration.ofNanos(now - lastPoll),
        partitions.values().stream().filter(w -> w.busySince() != 0).count(),
        lag,
        settings.observation().timeLags(),
        Optional.ofNullable(problem(now, lastPoll, partitions.values()))
            .or(() -> settings.observation().stall(state.paused(), lag)),
        Map.of(
            "assignedPartitions",
            partitions.keySet().stream().map(TopicPartition::toString).sorted().toList()));
  }

  private String problem(long now, long lastPoll, Collection<PartitionWorker> partitions) {
    Throwable failure = loop.failure();
    String restarting = restarts.pending();
    if (closed.get()) {
      return "closed";
    } else if (restarting != null) {
      return restarting;
    } else if (failure != null) {
      return "poll loop failed: " + failure;
    } else if (!pollThread.isAlive()) {
      return "poll thread ended";
    } else if (now - lastPoll > link.maxPollInterval().toNanos()) {
      return "no poll for more than kafka.max_poll_interval_ms";
    }
    Throwable handlerError = state.handlerError();
    if (handlerError != null) {
      return "a handler ended with "
          + handlerError
          + "; its message is read again, but the JVM may not be sound: restart the process";
    }
    String problem = null;
    for (PartitionWorker worker : partitions) {
      long busySince = worker.busySince();
      if (busySince != 0 && now - busySince > settings.stallTimeout().toNanos()) {
        problem =
            "the handler of "
                + worker.partition()
                + " has run longer than consumer.stall_timeout_ms = "
                + settings.stallTimeout().toMillis();
      }
    }
    return problem;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    state.stop();
    restarts.cancel();
    loop.wakeup();
    if (!threads.current()) {
      try {
        pollThread.join(settings.closeTimeout().toMillis() + CLOSE_GRACE_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    onClose.accept(this);
  }

  /**
   * Stops as a crash would: nothing more is committed (an open transaction is left to be fenced by
   * the partition's next owner) and the group is left without a final commit.
   */
  void abort() {
    state.abort();
    close();
  }
}
