package io.agentmq.tck.fault;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.Producer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A {@link Producer} that keeps the answer to every send: when it was called, how long its future
 * took, and the failure if any, so that a scenario can tell what was acknowledged or refused while
 * a fault lasted, how fast, and why.
 */
final class TimedProducer implements Producer {
  private final Producer producer;
  private final List<Answer> answers = new ArrayList<>();

  /**
   * One send's answer.
   *
   * @param calledAt {@link System#nanoTime()} when {@code send} was called
   * @param answeredAt {@link System#nanoTime()} when its future completed (or it threw)
   * @param failure the failure's class and message; null when the send was acknowledged
   */
  record Answer(long calledAt, long answeredAt, String failure) {
    boolean failed() {
      return failure != null;
    }

    Duration waited() {
      return Duration.ofNanos(answeredAt - calledAt);
    }
  }

  TimedProducer(Producer producer) {
    this.producer = producer;
  }

  @Override
  public CompletableFuture<DeliveryReport> send(String topic, Message message) {
    long calledAt = System.nanoTime();
    try {
      return producer.send(topic, message).whenComplete((report, error) -> record(calledAt, error));
    } catch (RuntimeException e) {
      record(calledAt, e);
      throw e;
    }
  }

  private void record(long calledAt, Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    Answer answer =
        new Answer(
            calledAt,
            System.nanoTime(),
            cause == null ? null : cause.getClass().getSimpleName() + ": " + cause.getMessage());
    synchronized (answers) {
      answers.add(answer);
    }
  }

  /** The answers of sends called from {@code from} (a {@link System#nanoTime()}) on. */
  List<Answer> answersCalledFrom(long from) {
    synchronized (answers) {
      return answers.stream().filter(a -> a.calledAt() - from >= 0).toList();
    }
  }

  /** The answers of sends called from {@code from} until {@code until}. */
  List<Answer> answersCalledBetween(long from, long until) {
    return answersCalledFrom(from).stream().filter(a -> a.calledAt() - until < 0).toList();
  }

  @Override
  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close();
  }
}
