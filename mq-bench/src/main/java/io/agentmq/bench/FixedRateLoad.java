package io.agentmq.bench;

import io.agentmq.agents.Orchestrator;
import io.agentmq.agents.RequestOutcome;
import io.agentmq.proto.v1.ChangeRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * Submits change requests on a fixed schedule, whatever the pipeline's pace (open loop), and
 * measures each from the time it was due to be sent to the orchestrator seeing its outcome, so a
 * pipeline that falls behind shows as latency instead of a slower sender (no coordinated omission).
 *
 * <p>The sending thread never waits for an outcome: {@link Orchestrator#submit} only publishes the
 * request. Outcomes are recorded on the thread that completes them, the orchestrator's consumer.
 */
final class FixedRateLoad {
  /** How long {@link #run} waits, after the last request is due, for the outcomes still missing. */
  private static final Duration DRAIN = Duration.ofMinutes(5);

  /**
   * The measured requests (those due after the settling period).
   *
   * @param scheduled requests due in the measured period
   * @param completed of them, those whose outcome was {@code COMPLETED}
   * @param seconds the measured period, or from its start to the last measured outcome when that is
   *     longer
   * @param latency due time to outcome of each completed measured request, in microseconds
   * @param failed requests, settling ones included, that did not complete
   * @param firstFailure the first of them with an outcome (a failed submission has none)
   */
  record Result(
      long scheduled,
      long completed,
      double seconds,
      Histogram latency,
      long failed,
      Optional<RequestOutcome> firstFailure) {

    /** Completed measured requests per second: the rate the pipeline achieved. */
    double completionRate() {
      return completed / seconds;
    }

    double percentileMillis(double percentile) {
      return latency.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  private FixedRateLoad() {}

  /**
   * Submits {@code rate} requests a second made by {@code request} (given 0, 1, ...) for {@code
   * settle} and then {@code measured}, and waits for every outcome. The requests due in {@code
   * settle} (the pipeline's first fetches and the JIT) are not recorded.
   *
   * @throws IllegalStateException if outcomes are still missing {@link #DRAIN} after the last due
   *     time
   */
  static Result run(
      Orchestrator orchestrator,
      IntFunction<ChangeRequest> request,
      int rate,
      Duration settle,
      Duration measured)
      throws InterruptedException {
    if (rate < 1) {
      throw new IllegalArgumentException("the rate must be 1 request/s or more, got " + rate);
    }
    long first = count(settle, rate);
    long total = first + Math.max(1, count(measured, rate));
    Histogram latency = new SynchronizedHistogram(3); // µs, resizes as needed
    AtomicLong lastOutcome = new AtomicLong(Long.MIN_VALUE);
    List<CompletableFuture<RequestOutcome>> all = new ArrayList<>();
    long start = System.nanoTime();
    for (long i = 0; i < total; i++) {
      long due = start + i * TimeUnit.SECONDS.toNanos(1) / rate;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(Math.min(wait, 50_000));
      }
      // Late (a stall of this thread or the JVM): sent at once, still timed from its due time.
      boolean recorded = i >= first;
      // The outcome is taken once its latency is recorded, so the wait below covers the recording.
      all.add(
          orchestrator
              .submit(request.apply((int) i))
              .whenComplete(
                  (o, e) -> {
                    long now = System.nanoTime();
                    if (recorded && o != null && o.isCompleted()) {
                      latency.recordValue(Math.max(1, (now - due) / 1_000));
                      lastOutcome.accumulateAndGet(now, Math::max);
                    }
                  }));
    }
    CompletableFuture<Void> done =
        CompletableFuture.allOf(
            all.stream().map(f -> f.handle((o, e) -> o)).toArray(CompletableFuture[]::new));
    try {
      done.get(DRAIN.toMinutes(), TimeUnit.MINUTES);
    } catch (TimeoutException e) {
      long missing = all.stream().filter(f -> !f.isDone()).count();
      throw new IllegalStateException(
          missing
              + " of "
              + total
              + " requests had no outcome "
              + DRAIN.toMinutes()
              + " minutes after the last was sent",
          e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the outcomes' failures are mapped, none can surface", e);
    }
    long completed = 0;
    long failed = 0;
    Optional<RequestOutcome> firstFailure = Optional.empty();
    for (int i = 0; i < all.size(); i++) {
      CompletableFuture<RequestOutcome> f = all.get(i);
      RequestOutcome o = f.isCompletedExceptionally() ? null : f.join();
      if (o != null && o.isCompleted()) {
        if (i >= first) {
          completed++;
        }
      } else {
        failed++;
        if (o != null && firstFailure.isEmpty()) {
          firstFailure = Optional.of(o);
        }
      }
    }
    // The measured period, or until the last outcome when that came later: a pipeline that keeps
    // up completes at the offered rate, one that falls behind at less.
    long firstDue = start + first * TimeUnit.SECONDS.toNanos(1) / rate;
    long period = (total - first) * TimeUnit.SECONDS.toNanos(1) / rate;
    double seconds =
        completed == 0 ? Double.NaN : Math.max(period, lastOutcome.get() - firstDue) / 1e9;
    return new Result(total - first, completed, seconds, latency.copy(), failed, firstFailure);
  }

  /** Requests due in {@code period} at {@code rate} a second. */
  private static long count(Duration period, int rate) {
    return period.toNanos() * rate / TimeUnit.SECONDS.toNanos(1);
  }
}
