package io.agentmq.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.agents.coding.GitCodingAgent;
import io.agentmq.agents.runtime.Hop;
import io.agentmq.api.DeadLetterPolicy;
import io.agentmq.api.Delivery;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Subscriber;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.CommitResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent pipeline end to end on a real backend: change requests in, real commits out. Each
 * backend's test extends this once and says how to reach its broker. Every test uses consumer
 * groups of its own that start at the newest message, so tests sharing a broker do not see each
 * other's messages.
 */
abstract class PipelineEndToEndSuite {
  private static final Duration OUTCOME_TIMEOUT = Duration.ofMinutes(3);
  private static final List<String> WORKERS =
      List.of(RequestPlannerModule.NAME, CodePlannerModule.NAME, CodingAgentModule.NAME);

  @TempDir Path tmp;

  private final Queue<Hop> hops = new ConcurrentLinkedQueue<>();
  private final List<Pipeline> pipelines = new ArrayList<>();
  private final List<Subscriber> consumers = new ArrayList<>();
  private MessageQueue queue;
  private PipelineTopics topics;
  private Path repo;

  /** The backend's settings: broker type and how to reach the test broker. */
  protected abstract MqConfig.Builder backend(MqConfig.Builder builder);

  @BeforeEach
  void open() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    MqConfig.Builder b =
        backend(AgentsConfig.register(MqConfig.builder()))
            .set("agents.groups.request_planner", "request-planner-" + run)
            .set("agents.groups.code_planner", "code-planner-" + run)
            .set("agents.groups.coding_agent", "coding-agent-" + run)
            .set("agents.groups.orchestrator", "orchestrator-" + run)
            .set("consumer.start_from", "latest")
            .set("retry.initial_backoff_ms", "20")
            .set("retry.max_backoff_ms", "200")
            .set(
                "agents.orchestrator.request_timeout_ms",
                String.valueOf(OUTCOME_TIMEOUT.toMillis()))
            .set("agents.topic_prefix", "e2e-" + run + ".")
            .set("agents.coding.repos", tmp.resolve("repo").toString());
    MqConfig config = AgentsConfig.withReaders(b);
    topics = AgentsConfig.of(config).topics();
    queue = MessageQueue.create(config);
    repo = TestRepository.create(tmp.resolve("repo"));
  }

  @AfterEach
  void close() {
    pipelines.forEach(Pipeline::close);
    if (queue != null) {
      // Each test has topics of its own; on RabbitMQ they and their groups' durable queues would
      // outlive the run.
      consumers.forEach(Subscriber::close);
      topics.withDeadLetterTopics().forEach(queue.admin()::deleteTopic);
      queue.close();
    }
  }

  private Pipeline start(List<String> agents) {
    Pipeline p =
        Pipeline.create(queue, agents, Pipeline.binding(Hop.Listener.class, hops::add)).start();
    pipelines.add(p);
    return p;
  }

  private Orchestrator orchestrator() {
    return start(List.of(OrchestratorModule.NAME)).orchestrator().orElseThrow();
  }

  private static List<RequestOutcome> outcomes(List<CompletableFuture<RequestOutcome>> futures)
      throws Exception {
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .get(OUTCOME_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);
    return futures.stream().map(CompletableFuture::join).collect(Collectors.toList());
  }

  @Test
  @DisplayName(
      "100 change requests complete with real commits, in order, each on one trace across the four hops")
  void hundredRequestsComplete() throws Exception {
    Orchestrator orchestrator = orchestrator();
    start(WORKERS);
    List<CompletableFuture<RequestOutcome>> futures = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      futures.add(orchestrator.submit(TestRepository.twoFiles(repo, "e2e", "r" + i)));
    }
    List<RequestOutcome> outcomes = outcomes(futures);

    for (int i = 0; i < outcomes.size(); i++) {
      RequestOutcome o = outcomes.get(i);
      assertThat(o.status())
          .as("request %d: %s", i, o.error())
          .isEqualTo(RequestOutcome.Status.COMPLETED);
      assertThat(o.commits()).hasSize(2);
      Map<String, CommitResult> byStep =
          o.commits().stream()
              .collect(
                  Collectors.toMap(
                      c -> c.getTaskId().substring(c.getTaskId().lastIndexOf('/') + 1), c -> c));
      CommitResult first = byStep.get("s1");
      CommitResult second = byStep.get("s2");
      assertThat(first.getModifiedFilesList()).containsExactly("notes/r" + i + ".md");
      assertThat(second.getModifiedFilesList()).containsExactly("checks/r" + i + ".txt");
      // Real commits in the repository, the request's tasks applied in order.
      RevCommit c1 = TestRepository.commit(repo, first.getCommitSha());
      assertThat(c1.getFooterLines(GitCodingAgent.TASK_TRAILER)).containsExactly(first.getTaskId());
      assertThat(TestRepository.isAncestor(repo, first.getCommitSha(), second.getCommitSha()))
          .isTrue();
      assertTraceAcrossFourHops(o);
    }
    assertThat(TestRepository.messages(repo, "e2e")).hasSize(201);
  }

  /** One trace id on every hop of the request, each hop's parent the span of the hop before. */
  private void assertTraceAcrossFourHops(RequestOutcome o) {
    List<Hop> mine =
        hops.stream()
            .filter(h -> h.correlationId().equals(o.requestId()))
            .collect(Collectors.toList());
    assertThat(mine)
        .extracting(Hop::service)
        .containsOnly(
            RequestPlannerModule.NAME,
            CodePlannerModule.NAME,
            CodingAgentModule.NAME,
            OrchestratorModule.NAME);
    assertThat(mine).allSatisfy(h -> assertThat(h.trace().traceId()).isEqualTo(o.traceId()));
    assertThat(o.traceId()).matches("[0-9a-f]{32}");
    Hop planner = only(mine, RequestPlannerModule.NAME, topics.planIn());
    Hop codePlanner = only(mine, CodePlannerModule.NAME, topics.codePlanIn());
    assertThat(codePlanner.trace().parentSpanId()).isEqualTo(planner.trace().spanId());
    Set<String> codingSpans =
        mine.stream()
            .filter(h -> h.service().equals(CodingAgentModule.NAME))
            .peek(h -> assertThat(h.trace().parentSpanId()).isEqualTo(codePlanner.trace().spanId()))
            .map(h -> h.trace().spanId())
            .collect(Collectors.toSet());
    assertThat(codingSpans).hasSize(2);
    assertThat(mine)
        .filteredOn(
            h ->
                h.service().equals(OrchestratorModule.NAME) && h.topic().equals(topics.commitOut()))
        .isNotEmpty()
        .allSatisfy(h -> assertThat(codingSpans).contains(h.trace().parentSpanId()));
    assertThat(o.commits())
        .allSatisfy(c -> assertThat(c.getMetadata().getTraceId()).isEqualTo(o.traceId()));
    // A span is new on every hop.
    assertThat(mine.stream().map(h -> h.trace().spanId()).distinct().count())
        .isEqualTo(mine.size());
  }

  private static Hop only(List<Hop> hops, String service, String topic) {
    List<Hop> found =
        hops.stream()
            .filter(
                h ->
                    h.service().equals(service) && h.topic().equals(topic) && h.failure().isEmpty())
            .collect(Collectors.toList());
    assertThat(found).as("%s hops on %s", service, topic).hasSize(1);
    return found.get(0);
  }

  @Test
  @DisplayName(
      "a request whose patch does not apply completes as failed with the reason, and the next request still commits")
  void patchThatDoesNotApplyFailsTheRequest() throws Exception {
    Orchestrator orchestrator = orchestrator();
    start(WORKERS);
    ChangeRequest bad =
        ChangeRequest.newBuilder()
            .setDescriptionMd("- add `notes/bad.md`\n- fix the third line of `README.md`")
            .setRepo(repo.toUri().toString())
            .setBranch("bad")
            .addFileDeltas(TestRepository.add("notes/bad.md", "committed by the first task\n"))
            .addFileDeltas(
                TestRepository.modify(
                    "README.md",
                    "@@ -3,2 +3,2 @@\n line one\n-a line that is not there\n+line 2\n"))
            .build();
    RequestOutcome failed =
        orchestrator.submit(bad).get(OUTCOME_TIMEOUT.toSeconds(), TimeUnit.SECONDS);

    assertThat(failed.status()).isEqualTo(RequestOutcome.Status.FAILED);
    assertThat(failed.error())
        .get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("README.md", "does not apply");
    assertThat(Files.readString(repo.resolve("README.md"))).isEqualTo(TestRepository.README);

    RequestOutcome next =
        orchestrator
            .submit(TestRepository.twoFiles(repo, "bad", "after"))
            .get(OUTCOME_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertThat(next.status()).as("%s", next.error()).isEqualTo(RequestOutcome.Status.COMPLETED);
  }

  @Test
  @DisplayName(
      "garbage bytes on plan.in land in plan.in.deadletter while the requests around them complete")
  void garbageIsDeadLetteredWhileTheRestFlows() throws Exception {
    Queue<Delivery> deadLetters = new ConcurrentLinkedQueue<>();
    consumers.add(
        queue.subscribe(
            DeadLetterPolicy.deadLetterTopic(topics.planIn()),
            "dead-letter-reader-" + UUID.randomUUID(),
            deadLetters::add));
    Orchestrator orchestrator = orchestrator();
    start(WORKERS);
    byte[] garbage = {(byte) 0xff, 0x00, 0x13, 0x37, (byte) 0x80, 'x'};

    List<CompletableFuture<RequestOutcome>> futures = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      if (i == 5) {
        queue.createProducer().sendAndWait(topics.planIn(), Message.of(garbage));
        queue
            .createProducer()
            .sendAndWait(
                topics.planIn(),
                Message.builder("not protobuf".getBytes(StandardCharsets.UTF_8))
                    .header(Headers.TYPE, "agentmq.v1.ChangeRequest")
                    .build());
      }
      futures.add(orchestrator.submit(TestRepository.twoFiles(repo, "garbage", "g" + i)));
    }

    assertThat(outcomes(futures))
        .allSatisfy(o -> assertThat(o.isCompleted()).as("%s", o.error()).isTrue());
    await().atMost(Duration.ofSeconds(30)).until(() -> deadLetters.size() >= 2);
    assertThat(deadLetters).hasSize(2);
    assertThat(deadLetters.stream().map(Delivery::payload))
        .anySatisfy(p -> assertThat(p).isEqualTo(garbage));
    assertThat(deadLetters)
        .allSatisfy(
            d -> {
              assertThat(d.header("mq-dlq-reason")).isPresent();
              assertThat(d.header("mq-dlq-original-topic")).contains(topics.planIn());
            });
  }

  @Test
  @DisplayName(
      "services stopped mid-flight and started again in the same groups still complete every request, each task committed once")
  void restartedServicesCompleteEveryRequest() throws Exception {
    Orchestrator orchestrator = orchestrator();
    Pipeline workers = start(WORKERS);
    List<CompletableFuture<RequestOutcome>> futures = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      futures.add(orchestrator.submit(TestRepository.twoFiles(repo, "restart", "x" + i)));
    }
    await()
        .atMost(OUTCOME_TIMEOUT)
        .until(() -> futures.stream().filter(CompletableFuture::isDone).count() >= 3);
    workers.close();
    long doneAtStop = futures.stream().filter(CompletableFuture::isDone).count();
    start(WORKERS);

    List<RequestOutcome> outcomes = outcomes(futures);
    assertThat(outcomes).allSatisfy(o -> assertThat(o.isCompleted()).as("%s", o.error()).isTrue());
    assertThat(doneAtStop).as("requests done when the services stopped").isLessThan(40);
    List<String> messages = TestRepository.messages(repo, "restart");
    assertThat(messages).hasSize(81);
    for (int i = 0; i < 40; i++) {
      String task = "Agentmq-Task: " + outcomes.get(i).requestId() + "/s1";
      assertThat(messages.stream().filter(m -> m.contains(task)).count()).as(task).isEqualTo(1);
    }
  }
}
