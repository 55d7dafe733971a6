package io.agentmq.bench;

import com.google.protobuf.util.Timestamps;
import io.agentmq.agents.CodePlanner;
import io.agentmq.agents.CodingAgent;
import io.agentmq.agents.DryRunCodingAgent;
import io.agentmq.agents.Orchestrator;
import io.agentmq.agents.PipelineMetadata;
import io.agentmq.agents.PipelineTopics;
import io.agentmq.agents.ReferenceCodePlanner;
import io.agentmq.agents.ReferenceRequestPlanner;
import io.agentmq.agents.RequestOutcome;
import io.agentmq.agents.RequestPlanner;
import io.agentmq.agents.runtime.TraceContext;
import io.agentmq.proto.v1.BuildReport;
import io.agentmq.proto.v1.BuildStatus;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.proto.v1.Metadata;
import io.agentmq.proto.v1.Plan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent pipeline's four hops written directly on a broker client, the raw baseline of the
 * pipeline rows: the same topics, keys and protobuf messages ({@code toByteArray}/{@code
 * parseFrom}), the same planners and the git-free coding agent, and an orchestrator that follows
 * each request as the reference one does. A subclass moves the bytes; this class holds what every
 * hop does with them.
 *
 * <p>Thread-safe: hops run on the transport's consumer threads, {@link #orchestrator()} is called
 * from the load's thread. {@link #close()} stops the consumers and deletes the run's topics.
 */
abstract class RawPipeline implements AutoCloseable {
  /** Each agent's consumer group, as the pipeline names them by default. */
  enum Agent {
    REQUEST_PLANNER,
    CODE_PLANNER,
    CODING_AGENT,
    ORCHESTRATOR;

    /** {@code request-planner}, behind {@code prefix} so runs do not share groups. */
    String group(String prefix) {
      return prefix + name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The topics the agent reads. */
    List<String> inputs(PipelineTopics topics) {
      return switch (this) {
        case REQUEST_PLANNER -> List.of(topics.planIn());
        case CODE_PLANNER -> List.of(topics.codePlanIn());
        case CODING_AGENT -> List.of(topics.codingTaskIn());
        case ORCHESTRATOR -> List.of(topics.planOut(), topics.commitOut());
      };
    }
  }

  /** A message to publish: topic, key (the request id), bytes. */
  record Output(String topic, String key, byte[] value) {}

  /** The factory of a backend's raw pipeline: started on {@code topics}, ready to consume. */
  @FunctionalInterface
  interface Factory {
    /**
     * @param requestTimeout how long the orchestrator waits for a request's results ({@code
     *     agents.orchestrator.request_timeout_ms})
     * @param partitions of each topic, where the broker has partitions (Kafka)
     */
    RawPipeline start(PipelineTopics topics, Duration requestTimeout, int partitions)
        throws Exception;
  }

  protected final PipelineTopics topics;
  private final RequestPlanner requestPlanner = new ReferenceRequestPlanner();
  private final CodePlanner codePlanner = new ReferenceCodePlanner();
  private final CodingAgent codingAgent = new DryRunCodingAgent();
  private final Tracker tracker;

  protected RawPipeline(PipelineTopics topics, Duration requestTimeout) {
    this.topics = topics;
    this.tracker = new Tracker(requestTimeout);
  }

  /** Submits requests over this transport and follows them to the end. */
  final Orchestrator orchestrator() {
    return tracker;
  }

  /** Results that reached the orchestrator for a task (or plan) it already had. */
  final long duplicates() {
    return tracker.duplicates.get();
  }

  /** Every {@code CommitResult} that reached the orchestrator, duplicates included. */
  final long commitsReceived() {
    return tracker.commitsReceived.get();
  }

  /**
   * Sends {@code output}; the future completes once the broker has it (Kafka: acknowledged by all
   * in-sync replicas; RabbitMQ: confirmed). May be called from any thread.
   */
  protected abstract CompletableFuture<Void> send(Output output);

  /**
   * What the agent reading {@code topic} does with one message: the outputs to publish before the
   * input is acknowledged. The orchestrator's inputs have none; {@code commit.out} carries only
   * {@code CommitResult}s (each with its build).
   */
  protected final List<Output> handle(String topic, byte[] value) throws Exception {
    if (topic.equals(topics.planIn())) {
      return plan(ChangeRequest.parseFrom(value));
    } else if (topic.equals(topics.codePlanIn())) {
      return tasks(Plan.parseFrom(value));
    } else if (topic.equals(topics.codingTaskIn())) {
      return code(CodingTask.parseFrom(value));
    } else if (topic.equals(topics.planOut())) {
      tracker.onPlan(Plan.parseFrom(value));
      return List.of();
    } else if (topic.equals(topics.commitOut())) {
      tracker.onCommit(CommitResult.parseFrom(value));
      return List.of();
    }
    throw new IllegalArgumentException("no agent of the pipeline reads topic '" + topic + "'");
  }

  /** A hop or a send failed: every request still outstanding fails with {@code cause}. */
  protected final void fail(Throwable cause) {
    tracker.fail(cause);
  }

  private List<Output> plan(ChangeRequest request) throws Exception {
    Plan plan =
        requestPlanner.plan(request).toBuilder()
            .setMetadata(next(request.getMetadata(), request.getId()))
            .setCreatedAt(Timestamps.now())
            .build();
    byte[] bytes = plan.toByteArray();
    return List.of(
        new Output(topics.codePlanIn(), plan.getRequestId(), bytes),
        new Output(topics.planOut(), plan.getRequestId(), bytes));
  }

  private List<Output> tasks(Plan plan) throws Exception {
    Metadata metadata = next(plan.getMetadata(), plan.getRequestId());
    List<Output> out = new ArrayList<>();
    for (CodingTask task : codePlanner.tasks(plan)) {
      out.add(
          new Output(
              topics.codingTaskIn(),
              task.getRequestId(),
              task.toBuilder().setMetadata(metadata).build().toByteArray()));
    }
    return out;
  }

  private List<Output> code(CodingTask task) throws Exception {
    Metadata metadata = next(task.getMetadata(), task.getRequestId());
    CodingAgent.Outcome outcome = codingAgent.apply(task);
    return List.of(
        new Output(
            topics.commitOut(),
            task.getRequestId(),
            outcome.result().toBuilder().setMetadata(metadata).build().toByteArray()));
  }

  /**
   * The metadata of this hop's outputs: the request's trace continued with a span of its own, as
   * the AgentMQ services write it (so both sides send payloads of the same size).
   */
  private static Metadata next(Metadata in, String correlationId) {
    TraceContext trace =
        in.getTraceId().isEmpty()
            ? TraceContext.newTrace()
            : new TraceContext(in.getTraceId(), in.getSpanId(), in.getParentSpanId(), true).child();
    return PipelineMetadata.of(trace, correlationId);
  }

  /**
   * The raw orchestrator: submits on {@code plan.in} and counts each request's plan, commits and
   * builds as {@code RequestTracker} does; a request is complete when every task of its plan has a
   * commit and a build. Results for a task it already has are counted as duplicates.
   */
  private final class Tracker implements Orchestrator {
    private final Duration timeout;
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong commitsReceived = new AtomicLong();
    // Under this object's lock.
    private final Map<String, Tracked> requests = new HashMap<>();
    private final Set<String> finished = new HashSet<>();
    private Throwable failure;
    private final ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "raw-pipeline-timeouts");
              t.setDaemon(true);
              return t;
            });

    Tracker(Duration timeout) {
      this.timeout = timeout;
    }

    @Override
    public CompletableFuture<RequestOutcome> submit(ChangeRequest request) {
      String id = request.getId().isBlank() ? UUID.randomUUID().toString() : request.getId();
      ChangeRequest.Builder b = request.toBuilder().setId(id);
      if (!b.hasCreatedAt()) {
        b.setCreatedAt(Timestamps.now());
      }
      b.setMetadata(PipelineMetadata.of(TraceContext.newTrace(), id));
      Tracked t;
      synchronized (this) {
        if (failure != null) {
          return CompletableFuture.failedFuture(failure);
        }
        finished.remove(id); // submitted again: follow it again
        t = tracked(id);
      }
      send(new Output(topics.planIn(), id, b.build().toByteArray()))
          .whenComplete(
              (ok, e) -> {
                if (e != null) {
                  fail(e);
                }
              });
      return t.future;
    }

    @Override
    public synchronized void onPlan(Plan plan) {
      Tracked t = tracked(plan.getRequestId());
      if (t == null || t.expected >= 0) {
        duplicates.incrementAndGet();
      } else {
        t.expected = plan.getStepsCount();
        t.check();
      }
    }

    @Override
    public synchronized void onCommit(CommitResult commit) {
      commitsReceived.incrementAndGet();
      Tracked t = tracked(commit.getRequestId());
      if (t == null || t.commits.putIfAbsent(commit.getTaskId(), commit) != null) {
        duplicates.incrementAndGet();
      } else {
        if (commit.hasBuild()) {
          t.builds.putIfAbsent(commit.getTaskId(), commit.getBuild());
        }
        t.check();
      }
    }

    @Override
    public synchronized void onBuild(BuildReport build) {
      Tracked t = tracked(build.getRequestId());
      if (t == null || t.builds.putIfAbsent(build.getTaskId(), build) != null) {
        duplicates.incrementAndGet();
      } else {
        t.check();
      }
    }

    /** The request's entry, created when new; null once it finished. Lock held. */
    private Tracked tracked(String id) {
      if (finished.contains(id)) {
        return null;
      }
      return requests.computeIfAbsent(
          id,
          k -> {
            Tracked t = new Tracked(k);
            t.deadline =
                timer.schedule(() -> timeOut(k), timeout.toMillis(), TimeUnit.MILLISECONDS);
            return t;
          });
    }

    private synchronized void timeOut(String id) {
      Tracked t = requests.get(id);
      if (t != null) {
        t.finish(
            RequestOutcome.Status.TIMED_OUT,
            String.format(
                Locale.ROOT,
                "no outcome within %d ms: %d of %s task(s) committed, %d built",
                timeout.toMillis(),
                t.commits.size(),
                t.expected < 0 ? "an unknown number of" : String.valueOf(t.expected),
                t.builds.size()));
      }
    }

    synchronized void fail(Throwable cause) {
      if (failure == null) {
        failure = cause;
      }
      String reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
      for (Tracked t : List.copyOf(requests.values())) {
        t.finish(RequestOutcome.Status.FAILED, reason);
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
      ScheduledFuture<?> deadline;

      Tracked(String id) {
        this.id = id;
      }

      /** After each result, the tracker's lock held. */
      void check() {
        for (CommitResult c : commits.values()) {
          if (c.getStatus() != CommitResult.Status.STATUS_COMMITTED) {
            finish(
                RequestOutcome.Status.FAILED, "task " + c.getTaskId() + " failed: " + c.getError());
            return;
          }
        }
        for (BuildReport b : builds.values()) {
          if (b.getStatus() == BuildStatus.BUILD_STATUS_FAILED) {
            finish(RequestOutcome.Status.FAILED, "build after task " + b.getTaskId() + " failed");
            return;
          }
        }
        if (expected >= 0 && commits.size() >= expected && builds.size() >= expected) {
          finish(RequestOutcome.Status.COMPLETED, null);
        }
      }

      void finish(RequestOutcome.Status status, String error) {
        requests.remove(id);
        finished.add(id);
        if (deadline != null) {
          deadline.cancel(false);
        }
        future.complete(
            new RequestOutcome(
                id,
                status,
                "",
                List.copyOf(commits.values()),
                List.copyOf(builds.values()),
                Optional.ofNullable(error),
                Duration.ofNanos(System.nanoTime() - startNanos)));
      }
    }
  }
}
