package io.agentmq.agents;

import com.google.protobuf.util.Timestamps;
import io.agentmq.agents.runtime.TraceContext;
import io.agentmq.agents.runtime.Tracing;
import io.agentmq.api.Headers;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.Producer;
import io.agentmq.proto.v1.BuildReport;
import io.agentmq.proto.v1.BuildStatus;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.Plan;
import io.agentmq.serialization.MessageCodec;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference orchestrator. It keeps the requests it follows in memory: those it submitted, and
 * any other whose plan it sees on {@code plan.out} (a standalone orchestrator logs how they end).
 * Results arriving in any order, twice, or before the plan are all counted once per task.
 */
public final class RequestTracker implements Orchestrator {
  private static final Logger LOG = LoggerFactory.getLogger(RequestTracker.class);
  private static final int REMEMBERED_FINISHED = 100_000;

  private final MessageCodec codec;
  private final Duration timeout;
  private final PipelineTopics topics;
  // Both under this object's lock: a request is either followed or finished, never both.
  private final Map<String, Tracked> requests = new HashMap<>();
  private final Map<String, Boolean> finished =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REMEMBERED_FINISHED;
        }
      };
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "agentmq-orchestrator-timeouts");
            t.setDaemon(true);
            return t;
          });
  private final Producer producer;

  @Inject
  public RequestTracker(MessageQueue queue, MessageCodec codec, AgentsConfig config) {
    this.codec = codec;
    this.timeout = config.requestTimeout();
    this.topics = config.topics();
    this.producer = queue.createProducer();
  }

  @Override
  public CompletableFuture<RequestOutcome> submit(ChangeRequest request) {
    ChangeRequest.Builder b = request.toBuilder();
    if (b.getId().isBlank()) {
      b.setId(UUID.randomUUID().toString());
    }
    if (!b.hasCreatedAt()) {
      b.setCreatedAt(Timestamps.now());
    }
    String id = b.getId();
    Span span = Tracing.start(topics.planIn() + " publish", SpanKind.PRODUCER, null);
    TraceContext trace = Tracing.contextOf(span, TraceContext.newTrace());
    b.setMetadata(PipelineMetadata.of(trace, id));
    CompletableFuture<RequestOutcome> outcome;
    synchronized (this) {
      finished.remove(id); // submitted again: follow it again
      Tracked t = tracked(id);
      t.traceId = trace.traceId();
      outcome = t.future;
    }
    io.agentmq.api.Message message =
        codec
            .encoder(b.build())
            .key(id)
            .header(Headers.CORRELATION_ID, id)
            .header(Headers.TRACEPARENT, trace.traceparent())
            .build();
    try {
      producer
          .send(topics.planIn(), message)
          .whenComplete(
              (report, e) -> {
                if (e != null) {
                  forget(id);
                  outcome.completeExceptionally(e);
                }
              });
    } catch (RuntimeException e) {
      forget(id);
      outcome.completeExceptionally(e);
    } finally {
      span.end();
    }
    return outcome;
  }

  @Override
  public synchronized void onPlan(Plan plan) {
    Tracked t = tracked(plan.getRequestId());
    if (t != null) {
      t.expected = plan.getStepsCount();
      t.check();
    }
  }

  @Override
  public synchronized void onCommit(CommitResult commit) {
    Tracked t = tracked(commit.getRequestId());
    if (t != null) {
      t.commits.putIfAbsent(commit.getTaskId(), commit);
      if (commit.hasBuild()) {
        t.builds.putIfAbsent(commit.getTaskId(), commit.getBuild());
      }
      t.check();
    }
  }

  @Override
  public synchronized void onBuild(BuildReport build) {
    Tracked t = tracked(build.getRequestId());
    if (t != null) {
      t.builds.putIfAbsent(build.getTaskId(), build);
      t.check();
    }
  }

  /**
   * The request's entry, created with its timeout when new; null when it already finished (a late
   * duplicate) or has no id. Lock held.
   */
  private Tracked tracked(String requestId) {
    if (requestId.isEmpty() || finished.containsKey(requestId)) {
      return null;
    }
    return requests.computeIfAbsent(
        requestId,
        id -> {
          Tracked t = new Tracked(id);
          t.deadline = timer.schedule(() -> timeOut(id), timeout.toMillis(), TimeUnit.MILLISECONDS);
          return t;
        });
  }

  private synchronized void forget(String id) {
    Tracked t = requests.remove(id);
    if (t != null && t.deadline != null) {
      t.deadline.cancel(false);
    }
  }

  private synchronized void timeOut(String id) {
    Tracked t = requests.get(id);
    if (t != null) {
      t.finish(
          RequestOutcome.Status.TIMED_OUT,
          String.format(
              "no outcome within %d ms: %d of %s task(s) committed, %d built",
              timeout.toMillis(),
              t.commits.size(),
              t.expected < 0 ? "an unknown number of" : String.valueOf(t.expected),
              t.builds.size()));
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  private final class Tracked {
    final String id;
    final long startNanos = System.nanoTime();
    final CompletableFuture<RequestOutcome> future = new CompletableFuture<>();
    final Map<String, CommitResult> commits = new LinkedHashMap<>();
    final Map<String, BuildReport> builds = new LinkedHashMap<>();
    int expected = -1;
    String traceId = "";
    ScheduledFuture<?> deadline;

    Tracked(String id) {
      this.id = id;
    }

    /** Called with the tracker's lock held, after each result. */
    void check() {
      if (traceId.isEmpty()) {
        commits.values().stream()
            .map(c -> c.getMetadata().getTraceId())
            .filter(s -> !s.isEmpty())
            .findFirst()
            .ifPresent(s -> traceId = s);
      }
      for (CommitResult c : commits.values()) {
        if (c.getStatus() != CommitResult.Status.STATUS_COMMITTED) {
          finish(
              RequestOutcome.Status.FAILED, "task " + c.getTaskId() + " failed: " + c.getError());
          return;
        }
      }
      for (BuildReport b : builds.values()) {
        if (b.getStatus() == BuildStatus.BUILD_STATUS_FAILED) {
          finish(
              RequestOutcome.Status.FAILED,
              "build after task " + b.getTaskId() + " failed: " + b.getLogExcerpt());
          return;
        }
      }
      if (expected >= 0 && commits.size() >= expected && builds.size() >= expected) {
        finish(RequestOutcome.Status.COMPLETED, null);
      }
    }

    void finish(RequestOutcome.Status status, String error) {
      if (future.isDone()) {
        return;
      }
      requests.remove(id);
      finished.put(id, Boolean.TRUE);
      if (deadline != null) {
        deadline.cancel(false);
      }
      RequestOutcome outcome =
          new RequestOutcome(
              id,
              status,
              traceId,
              List.copyOf(new ArrayList<>(commits.values())),
              List.copyOf(new ArrayList<>(builds.values())),
              Optional.ofNullable(error),
              Duration.ofNanos(System.nanoTime() - startNanos));
      if (status == RequestOutcome.Status.COMPLETED) {
        LOG.info("request {} completed: {} commit(s)", id, commits.size());
      } else {
        LOG.warn("request {} {}: {}", id, status.name().toLowerCase(java.util.Locale.ROOT), error);
      }
      future.complete(outcome);
    }
  }
}
