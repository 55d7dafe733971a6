package io.agentmq.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import io.agentmq.agents.coding.GitCodingAgent;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.kafka.KafkaTestBroker;
import io.agentmq.proto.v1.BuildReport;
import io.agentmq.proto.v1.BuildStatus;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.CommitResult;
import io.agentmq.tck.TestServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent pipeline fed by a plain broker client that sets no AgentMQ header or property, its
 * results read and decoded by a plain client with protobuf-java alone, on Kafka and on RabbitMQ.
 */
class PlainClientPipelineTest {
  private static final int REQUESTS = 20;
  private static final Duration RESULTS_TIMEOUT = Duration.ofMinutes(3);
  private static final List<String> WORKERS =
      List.of(RequestPlannerModule.NAME, CodePlannerModule.NAME, CodingAgentModule.NAME);
  private static final String COMMIT_RESULT = CommitResult.getDescriptor().getFullName();

  @TempDir Path tmp;

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private MessageQueue queue;
  private PipelineTopics topics;
  private Path repo;

  @AfterEach
  void close() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    if (queue != null) {
      // On RabbitMQ the run's exchanges and its groups' durable queues would outlive it.
      topics.withDeadLetterTopics().forEach(queue.admin()::deleteTopic);
      queue.close();
    }
  }

  /** Starts the three worker agents (no orchestrator) on the backend, in groups of this run. */
  private void startPipeline(MqConfig.Builder backend) throws Exception {
    MqConfig config =
        AgentsConfig.withReaders(
            backend
                .set("agents.groups.request_planner", "request-planner-" + run)
                .set("agents.groups.code_planner", "code-planner-" + run)
                .set("agents.groups.coding_agent", "coding-agent-" + run)
                .set("consumer.start_from", "earliest")
                .set("retry.initial_backoff_ms", "20")
                .set("retry.max_backoff_ms", "200")
                .set("agents.topic_prefix", "plain-" + run + ".")
                .set("agents.coding.repos", tmp.resolve("repo").toString()));
    topics = AgentsConfig.of(config).topics();
    repo = TestRepository.create(tmp.resolve("repo"));
    queue = MessageQueue.create(config);
    Pipeline pipeline = Pipeline.create(queue, WORKERS).start();
    toClose.add(pipeline::close);
  }

  /** The request ids of this run and their change requests, bare protobuf with the id set. */
  private Map<String, byte[]> requests() {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (int i = 0; i < REQUESTS; i++) {
      String id = "plain-" + run + "-" + i;
      ChangeRequest request =
          TestRepository.twoFiles(repo, "plain", "p" + i).toBuilder().setId(id).build();
      out.put(id, request.toByteArray());
    }
    return out;
  }

  @Test
  @DisplayName(
      "kafka: 20 bare ChangeRequest records without headers from kafka-clients each end in two"
          + " CommitResults carrying their BuildReports on commit.out, decoded by their mq-type"
          + " header")
  void kafka() throws Exception {
    startPipeline(KafkaTestBroker.configure(AgentsConfig.register(MqConfig.builder())));
    Ledger ledger = new Ledger();

    Properties consumerProps = new Properties();
    consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestBroker.bootstrapServers());
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "plain-reader-" + run);
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // commit.out exists once the coding agent first writes to it: look for it often
    consumerProps.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "500");
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    toClose.add(consumer);
    consumer.subscribe(List.of(topics.commitOut()));

    Properties producerProps = new Properties();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestBroker.bootstrapServers());
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (Map.Entry<String, byte[]> r : requests().entrySet()) {
        ProducerRecord<byte[], byte[]> record =
            new ProducerRecord<>(
                topics.planIn(), r.getKey().getBytes(StandardCharsets.UTF_8), r.getValue());
        assertThat(record.headers().toArray()).isEmpty();
        ledger.sending(r.getKey());
        producer.send(record).get();
      }
    }

    long deadline = System.nanoTime() + RESULTS_TIMEOUT.toNanos();
    while (!ledger.complete() && System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        ledger.received(
            utf8(r.key()), header(r, "mq-type"), header(r, "mq-correlation-id"), r.value());
      }
    }
    ledger.assertEveryRequestCommitted(repo);
  }

  @Test
  @DisplayName(
      "rabbitmq: 20 bare ChangeRequest messages without properties from amqp-client each end in"
          + " two CommitResults carrying their BuildReports on commit.out, decoded by their type"
          + " property")
  void rabbitmq() throws Exception {
    String url = TestServices.amqpUrl();
    startPipeline(
        AgentsConfig.register(MqConfig.builder()).brokerType("amqp").set("amqp.url", url));
    Ledger ledger = new Ledger();

    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(url);
    Connection connection = factory.newConnection("plain-amqp-client");
    toClose.add(connection);

    // Results: a queue of this reader's own, bound with # to the topic exchange commit.out, the
    // same declaration AgentMQ makes, before any request is sent.
    Channel reader = connection.createChannel();
    reader.exchangeDeclare(topics.commitOut(), BuiltinExchangeType.TOPIC, true);
    String results = reader.queueDeclare().getQueue();
    reader.queueBind(results, topics.commitOut(), "#");
    DeliverCallback onResult =
        (tag, d) ->
            ledger.received(
                d.getEnvelope().getRoutingKey(),
                d.getProperties().getType(),
                d.getProperties().getCorrelationId(),
                d.getBody());
    reader.basicConsume(results, true, onResult, tag -> {});

    Channel publisher = connection.createChannel();
    publisher.confirmSelect();
    AtomicInteger unroutable = new AtomicInteger();
    publisher.addReturnListener(r -> unroutable.incrementAndGet());
    for (Map.Entry<String, byte[]> r : requests().entrySet()) {
      // No properties at all: no message-id, type, content-type, correlation-id or headers.
      ledger.sending(r.getKey());
      publisher.basicPublish(topics.planIn(), r.getKey(), true, null, r.getValue());
      publisher.waitForConfirmsOrDie(10_000);
    }
    assertThat(unroutable).as("requests plan.in could not route to a queue").hasValue(0);

    try {
      await().atMost(RESULTS_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(ledger::complete);
    } catch (ConditionTimeoutException e) {
      // the ledger's assertions below say what is missing
    }
    ledger.assertEveryRequestCommitted(repo);
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : utf8(h.value());
  }

  private static String utf8(byte[] bytes) {
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * What was sent and what came back, per request: CommitResults and the BuildReports they carry by
   * task, in arrival order, with results of other types, results without their build, results under
   * another key and duplicates counted.
   */
  private static final class Ledger {
    private final Map<String, List<CommitResult>> commits = new ConcurrentHashMap<>();
    private final Map<String, List<BuildReport>> builds = new ConcurrentHashMap<>();
    private final Map<String, String> correlationIds = new ConcurrentHashMap<>();
    private final List<String> sent = new CopyOnWriteArrayList<>();
    private final List<String> faults = Collections.synchronizedList(new ArrayList<>());

    /** Registers a request before it is sent, so that no result can arrive before it. */
    void sending(String requestId) {
      commits.put(requestId, Collections.synchronizedList(new ArrayList<>()));
      builds.put(requestId, Collections.synchronizedList(new ArrayList<>()));
      sent.add(requestId);
    }

    /** Decodes one result by the type its record names, with protobuf-java only. */
    void received(String key, String type, String correlationId, byte[] body) {
      try {
        String requestId;
        if (COMMIT_RESULT.equals(type)) {
          CommitResult c = CommitResult.parseFrom(body);
          requestId = c.getRequestId();
          listOf(commits, requestId, key).add(c);
          if (c.hasBuild()) {
            listOf(builds, requestId, key).add(c.getBuild());
          } else {
            faults.add("the result of task " + c.getTaskId() + " without its build");
          }
        } else {
          faults.add("a result of type " + type + " under key " + key);
          return;
        }
        if (correlationId == null || correlationId.isEmpty()) {
          faults.add("a result of " + requestId + " without correlation id");
          return;
        }
        String earlier = correlationIds.putIfAbsent(requestId, correlationId);
        if (earlier != null && !earlier.equals(correlationId)) {
          faults.add("results of " + requestId + " under two correlation ids");
        }
      } catch (InvalidProtocolBufferException e) {
        faults.add("undecodable " + type + " under key " + key + ": " + e.getMessage());
      }
    }

    private <T> List<T> listOf(Map<String, List<T>> byRequest, String requestId, String key) {
      if (!requestId.equals(key)) {
        faults.add("a result of " + requestId + " under key " + key);
      }
      List<T> list = byRequest.get(requestId);
      if (list == null) {
        faults.add("a result of a request never sent: " + requestId);
        return new ArrayList<>();
      }
      return list;
    }

    /** Every request has a result for both of its tasks, each CommitResult with its build. */
    boolean complete() {
      return !sent.isEmpty()
          && sent.stream()
              .allMatch(
                  id ->
                      tasks(commits.get(id).stream().map(CommitResult::getTaskId).toList()) >= 2
                          && tasks(builds.get(id).stream().map(BuildReport::getTaskId).toList())
                              >= 2);
    }

    private static long tasks(List<String> taskIds) {
      return taskIds.stream().distinct().count();
    }

    void assertEveryRequestCommitted(Path repo) throws Exception {
      int lost = 0;
      int duplicated = 0;
      int reordered = 0;
      for (String id : sent) {
        List<CommitResult> c = List.copyOf(commits.get(id));
        List<BuildReport> b = List.copyOf(builds.get(id));
        List<String> commitTasks = c.stream().map(CommitResult::getTaskId).toList();
        List<String> buildTasks = b.stream().map(BuildReport::getTaskId).toList();
        lost += 2 - (int) Math.min(2, tasks(commitTasks));
        duplicated += commitTasks.size() - (int) tasks(commitTasks);
        duplicated += buildTasks.size() - (int) tasks(buildTasks);
        if (commitTasks.size() == 2 && !commitTasks.equals(List.of(id + "/s1", id + "/s2"))) {
          reordered++;
        }
      }
      System.out.printf(
          "PlainClientPipelineTest ledger: sent=%d requests, lost=%d task results,"
              + " duplicated=%d, reordered=%d, faults=%s, correlation ids e.g. %s%n",
          sent.size(),
          lost,
          duplicated,
          reordered,
          faults,
          correlationIds.values().stream().limit(2).toList());
      assertThat(faults).as("results the plain reader could not match").isEmpty();
      assertThat(lost).as("tasks without a CommitResult").isZero();
      assertThat(duplicated).as("results delivered twice").isZero();
      for (String id : sent) {
        List<CommitResult> c = commits.get(id);
        assertThat(c)
            .as("CommitResults of %s", id)
            .extracting(CommitResult::getTaskId)
            .containsExactlyInAnyOrder(id + "/s1", id + "/s2");
        for (CommitResult r : c) {
          assertThat(r.getStatus())
              .as("%s: %s", r.getTaskId(), r.getError())
              .isEqualTo(CommitResult.Status.STATUS_COMMITTED);
          assertThat(
                  TestRepository.commit(repo, r.getCommitSha())
                      .getFooterLines(GitCodingAgent.TASK_TRAILER))
              .containsExactly(r.getTaskId());
        }
        assertThat(builds.get(id))
            .extracting(BuildReport::getStatus)
            .containsOnly(BuildStatus.BUILD_STATUS_SKIPPED);
        // The pipeline applies a request's tasks in order: the second commit descends from the
        // first.
        CommitResult first =
            c.stream().filter(r -> r.getTaskId().endsWith("/s1")).findFirst().orElseThrow();
        CommitResult second =
            c.stream().filter(r -> r.getTaskId().endsWith("/s2")).findFirst().orElseThrow();
        assertThat(TestRepository.isAncestor(repo, first.getCommitSha(), second.getCommitSha()))
            .as("%s: s1 before s2", id)
            .isTrue();
      }
      // Each task committed once: the initial commit and two per request.
      assertThat(TestRepository.messages(repo, "plain")).hasSize(2 * sent.size() + 1);
    }
  }
}
