package io.agentmq.agents.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.agents.DemoRepository;
import io.agentmq.agents.Orchestrator;
import io.agentmq.agents.OrchestratorModule;
import io.agentmq.agents.Pipeline;
import io.agentmq.agents.RequestOutcome;
import io.agentmq.agents.coding.GitCodingAgent;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.kafka.KafkaTestBroker;
import io.agentmq.tck.TestServices;
import io.agentmq.tck.fault.ChildJvm;
import io.agentmq.tck.fault.ReliabilityReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agents of {@code agentmq run} in a process of their own, killed with SIGKILL while change
 * requests flow, as a supervisor would find them, and started again: every request must complete,
 * each task committed exactly once, the working copy clean.
 */
class PipelineProcessKillTest {
  private static final int REQUESTS = 150;
  private static final int KILLS = 3;

  @TempDir Path tmp;

  @Test
  @Timeout(900)
  @DisplayName(
      "completes all 150 requests, each task committed once and the working copy clean, when the"
          + " agents' process is killed with SIGKILL three times on RabbitMQ")
  void onRabbitMq() throws Exception {
    agentsProcessKilledThreeTimes("amqp", Map.of("AMQP_URL", TestServices.amqpUrl()));
  }

  @Test
  @Timeout(900)
  @DisplayName(
      "completes all 150 requests, each task committed once and the working copy clean, when the"
          + " agents' process is killed with SIGKILL three times on Kafka")
  void onKafka() throws Exception {
    agentsProcessKilledThreeTimes(
        "kafka",
        Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", KafkaTestBroker.bootstrapServers(),
            // A killed member's partitions move after its session, not Kafka's default 45 s.
            "MQ_KAFKA_CLIENT__SESSION__TIMEOUT__MS", "6000",
            "MQ_KAFKA_CLIENT__HEARTBEAT__INTERVAL__MS", "1000"));
  }

  private void agentsProcessKilledThreeTimes(String backend, Map<String, String> brokerEnvironment)
      throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> environment = new HashMap<>(brokerEnvironment);
    environment.put("MQ_BROKER_TYPE", backend);
    environment.put("MQ_AGENTS_TOPIC_PREFIX", "kill-" + run + ".");
    environment.put("MQ_RETRY_INITIAL_BACKOFF_MS", "50");
    environment.put("MQ_AGENTS_CODING__REPOS", tmp.resolve("repo").toString());
    for (AgentsConfig.Role role : AgentsConfig.Role.values()) {
      environment.put(role.variable(), role.name().toLowerCase().replace('_', '-') + "-" + run);
    }
    MqConfig config =
        AgentsConfig.withReaders(
            AgentsConfig.register(MqConfig.builder())
                .environment(environment)
                .set("agents.orchestrator.request_timeout_ms", "600000"));
    Path repo = DemoRepository.create(tmp.resolve("repo"));
    Path logs = tmp;
    List<ChildJvm> agents = new ArrayList<>();
    try (MessageQueue queue = MessageQueue.create(config)) {
      Pipeline submitter = Pipeline.create(queue, List.of(OrchestratorModule.NAME)).start();
      Orchestrator orchestrator = submitter.orchestrator().orElseThrow();
      agents.add(startAgents(environment, logs, 0));
      AtomicInteger done = new AtomicInteger();
      List<CompletableFuture<RequestOutcome>> outcomes = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        outcomes.add(
            orchestrator
                .submit(DemoRepository.loadRequest(repo, "main", i))
                .whenComplete((o, e) -> done.incrementAndGet()));
      }
      for (int k = 1; k <= KILLS; k++) {
        int before = k * REQUESTS / (KILLS + 2);
        await().atMost(Duration.ofMinutes(4)).until(() -> done.get() >= before);
        agents.get(agents.size() - 1).kill();
        agents.add(startAgents(environment, logs, k));
      }
      CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);

      long completed =
          outcomes.stream()
              .map(CompletableFuture::join)
              .filter(RequestOutcome::isCompleted)
              .count();
      System.out.printf(
          "%s, pipeline process SIGKILL x%d: %d requests, %d completed%n",
          backend, KILLS, REQUESTS, completed);
      assertThat(outcomes)
          .allSatisfy(
              f ->
                  assertThat(f.join().status())
                      .as("request %s: %s", f.join().requestId(), f.join().error())
                      .isEqualTo(RequestOutcome.Status.COMPLETED));
      Map<String, Integer> commitsPerTask = new HashMap<>();
      try (Git git = Git.open(repo.toFile())) {
        for (RevCommit c : git.log().call()) {
          c.getFooterLines(GitCodingAgent.TASK_TRAILER)
              .forEach(task -> commitsPerTask.merge(task, 1, Integer::sum));
        }
        assertThat(git.status().call().isClean()).as("working copy clean").isTrue();
      }
      assertThat(commitsPerTask).hasSize(2 * REQUESTS);
      assertThat(commitsPerTask.values()).allMatch(n -> n == 1);
      ReliabilityReport.record(
          backend,
          "agent pipeline process SIGKILL x3 (counts are change requests; tasks committed once each)",
          Integer.toString(REQUESTS),
          completed + " completed",
          "-",
          Long.toString(REQUESTS - completed),
          Long.toString(commitsPerTask.values().stream().mapToLong(n -> n - 1).sum()),
          "-",
          "-");
      submitter.close();
    } finally {
      agents.forEach(ChildJvm::close);
      try (MessageQueue queue = MessageQueue.create(config)) {
        // The brokers keep topics (and RabbitMQ its groups' queues) across runs.
        AgentsConfig.of(config).topics().withDeadLetterTopics().forEach(queue.admin()::deleteTopic);
      }
    }
  }

  /** {@code agentmq run} of the three agents that do the work, in a JVM of its own. */
  private ChildJvm startAgents(Map<String, String> environment, Path logs, int n) {
    return ChildJvm.start(
        AgentMqCommand.class,
        List.of("run", "request-planner", "code-planner", "coding-agent"),
        environment,
        Path.of(System.getProperty("agentmq.fault.logs", logs.toString()))
            .resolve("agents-" + n + ".log"));
  }
}
