package io.agentmq.agents;

import io.agentmq.proto.v1.ChangeRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * Pushes change requests through a running pipeline with a fixed number outstanding and measures
 * them: what {@code agentmq demo --requests} prints and the benchmarks record.
 */
public final class PipelineLoad {

  /** Called about once a second while requests are outstanding. */
  @FunctionalInterface
  public interface Progress {
    Progress NONE = (completed, failed, seconds) -> {};

    void report(int completed, int failed, double seconds);
  }

  /**
   * @param latency completed requests' submit-to-outcome time in microseconds
   * @param firstFailure the first request that did not complete, if any
   */
  public record Result(
      int requests,
      int completed,
      double seconds,
      Histogram latency,
      Optional<RequestOutcome> firstFailure) {

    public int failed() {
      return requests - completed;
    }

    /** Completed requests per second. */
    public double throughput() {
      return completed / seconds;
    }

    public double percentileMillis(double percentile) {
      return latency.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  private PipelineLoad() {}

  /**
   * Submits {@code requests} requests made by {@code request} (given 0, 1, ...), keeping {@code
   * inFlight} outstanding, and waits for every outcome.
   */
  public static Result run(
      Orchestrator orchestrator,
      IntFunction<ChangeRequest> request,
      int requests,
      int inFlight,
      Progress progress)
      throws InterruptedException {
    Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    Semaphore window = new Semaphore(inFlight);
    List<CompletableFuture<RequestOutcome>> all = new ArrayList<>(requests);
    long start = System.nanoTime();
    long[] lastProgress = {start};
    Runnable tick =
        () -> {
          long now = System.nanoTime();
          if (now - lastProgress[0] >= 1_000_000_000L) {
            lastProgress[0] = now;
            progress.report(completed.get(), failed.get(), (now - start) / 1e9);
          }
        };
    for (int i = 0; i < requests; i++) {
      while (!window.tryAcquire(200, TimeUnit.MILLISECONDS)) {
        tick.run();
      }
      CompletableFuture<RequestOutcome> f = orchestrator.submit(request.apply(i));
      f.whenComplete(
          (o, e) -> {
            window.release();
            if (o != null && o.isCompleted()) {
              synchronized (latency) {
                latency.recordValue(Math.max(1, o.elapsed().toNanos() / 1_000));
              }
              completed.incrementAndGet();
            } else {
              failed.incrementAndGet();
            }
          });
      all.add(f);
      tick.run();
    }
    CompletableFuture<Void> done = CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    while (true) {
      try {
        done.get(1, TimeUnit.SECONDS);
        break;
      } catch (TimeoutException e) {
        tick.run();
      } catch (ExecutionException e) {
        break; // a submission failed; counted below
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    // Counted from the outcomes themselves: the callbacks above may not all have run yet.
    int ok = 0;
    Optional<RequestOutcome> firstFailure = Optional.empty();
    for (CompletableFuture<RequestOutcome> f : all) {
      RequestOutcome o = f.isCompletedExceptionally() ? null : f.join();
      if (o != null && o.isCompleted()) {
        ok++;
      } else if (o != null && firstFailure.isEmpty()) {
        firstFailure = Optional.of(o);
      }
    }
    synchronized (latency) {
      return new Result(requests, ok, seconds, latency.copy(), firstFailure);
    }
  }
}
