package io.agentmq.tck.fault;

import io.agentmq.api.Message;
import io.agentmq.api.Producer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady stream of keyed messages sent from a thread of its own until stopped, through a fault:
 * every acknowledged send goes into the {@link Ledger}, every failed one is counted (not ledgered),
 * and the slowest answer, from the call of {@code send} to the completion of its future, is kept.
 * Message {@code i} has key {@code k<i % 16>} and the payload {@code i / 16}, its sequence number
 * within its key, as {@link LedgerConsumer} expects.
 */
final class SteadySender implements AutoCloseable {
  static final int KEYS = 16;

  private final Producer producer;
  private final String topic;
  private final Ledger ledger;
  private final int perSecond;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger issued = new AtomicInteger();
  private final AtomicInteger acknowledged = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicLong slowestAnswerNanos = new AtomicLong();
  private final Thread thread;

  /** Starts sending {@code perSecond} messages a second (in bursts of ten) to {@code topic}. */
  SteadySender(Producer producer, String topic, Ledger ledger, int perSecond) {
    this.producer = producer;
    this.topic = topic;
    this.ledger = ledger;
    this.perSecond = perSecond;
    this.thread = new Thread(this::run, "fault-steady-sender");
    thread.start();
  }

  /** The index of a handled message, from its key and its sequence number within the key. */
  static long index(String key, long seq) {
    return seq * KEYS + Long.parseLong(key.substring(1));
  }

  private void run() {
    long pauseNanos = Duration.ofSeconds(10).toNanos() / perSecond;
    long next = System.nanoTime();
    while (running.get()) {
      for (int burst = 0; burst < 10 && running.get(); burst++) {
        int i = issued.get();
        String key = "k" + (i % KEYS);
        long seq = i / KEYS;
        long start = System.nanoTime();
        try {
          producer
              .send(topic, Message.of(key, Long.toString(seq).getBytes(StandardCharsets.UTF_8)))
              .whenComplete(
                  (report, error) -> {
                    slowestAnswerNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                    if (error == null) {
                      ledger.sent(report.messageId(), key, seq);
                      acknowledged.incrementAndGet();
                    } else {
                      failed.incrementAndGet();
                    }
                  });
        } catch (RuntimeException e) {
          // A send refused at once is an answer too: failed, within its time.
          slowestAnswerNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
          failed.incrementAndGet();
        }
        issued.incrementAndGet();
      }
      next += pauseNanos;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // the stream's pace
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      } else {
        next = System.nanoTime(); // a send that blocked does not earn a burst to catch up
      }
    }
  }

  /** Messages whose send was called so far; the index the next one will have. */
  int issued() {
    return issued.get();
  }

  int acknowledged() {
    return acknowledged.get();
  }

  int failed() {
    return failed.get();
  }

  /** Whether every send issued so far has its answer. */
  boolean answered() {
    return acknowledged.get() + failed.get() == issued.get();
  }

  /** The longest time from calling {@code send} to its future's completion. */
  Duration slowestAnswer() {
    return Duration.ofNanos(slowestAnswerNanos.get());
  }

  /** Stops sending and waits for the thread; answers may still be on their way. */
  @Override
  public void close() throws InterruptedException {
    running.set(false);
    thread.join();
  }
}
