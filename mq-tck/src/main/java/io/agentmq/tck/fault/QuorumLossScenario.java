package io.agentmq.tck.fault;

import static org.awaitility.Awaitility.await;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Two nodes of a three-node cluster killed with SIGKILL at once while a producer sends and a
 * consumer group consumes: with a majority of the copies gone, no send may be acknowledged, and
 * each must fail within the send timeout saying why; once one node returns, sends must succeed
 * again. Afterwards the second node returns too, so the cluster ends whole. Every send whose future
 * completed must be consumed.
 */
public final class QuorumLossScenario {

  /**
   * A send that failed while two nodes were down.
   *
   * @param waited from calling {@code send} until its future failed
   * @param message the failure's class and message
   */
  public record SendFailure(Duration waited, String message) {}

  /**
   * What happened.
   *
   * @param report the ledger's counts
   * @param issued sends made
   * @param failed sends whose future failed (not in the ledger)
   * @param killed the two nodes killed; the first one is started again first
   * @param acknowledgedWhileDown sends called after the two kills whose future completed before the
   *     first node was started again: none may be
   * @param failuresWhileDown the failures of sends called while two nodes were down
   * @param acknowledgedAfterReturn sends called after the first node was started again whose future
   *     completed
   * @param recovery from starting the first node again until every key had a message handled that
   *     was sent after it (the node's start included)
   * @param slowestAnswer the longest time any send waited for its future's outcome
   */
  public record Result(
      Ledger.Report report,
      int issued,
      int failed,
      List<String> killed,
      int acknowledgedWhileDown,
      List<SendFailure> failuresWhileDown,
      int acknowledgedAfterReturn,
      Duration recovery,
      Duration slowestAnswer) {
    public Result {
      killed = List.copyOf(killed);
      failuresWhileDown = List.copyOf(failuresWhileDown);
    }

    /** The longest a send called while two nodes were down waited for its failure. */
    public Duration slowestFailure() {
      return failuresWhileDown.stream()
          .map(SendFailure::waited)
          .max(Duration::compareTo)
          .orElse(Duration.ZERO);
    }

    /** The failure messages of sends called while two nodes were down. */
    public List<String> failureMessages() {
      return failuresWhileDown.stream().map(SendFailure::message).toList();
    }

    @Override
    public String toString() {
      return String.format(
          "%s; %d sends, %d failed; nodes %s killed: %d sends acknowledged and %d failed while two"
              + " were down, slowest failure %d ms (e.g. %s); after one returned, %d sends"
              + " acknowledged, recovery %d ms; slowest send answer %d ms",
          report,
          issued,
          failed,
          killed,
          acknowledgedWhileDown,
          failuresWhileDown.size(),
          slowestFailure().toMillis(),
          failuresWhileDown.isEmpty() ? "-" : failuresWhileDown.get(0).message(),
          acknowledgedAfterReturn,
          recovery.toMillis(),
          slowestAnswer.toMillis());
    }
  }

  private QuorumLossScenario() {}

  /**
   * Runs the scenario on {@code topic}, read by {@code group}.
   *
   * @param producerQueue sends, with a short {@code producer.send_timeout_ms}
   * @param consumerQueue consumes, at-least-once; another queue, with its own connections
   * @param nodes the cluster, three nodes; {@link ClusterNodes#leader()} names the leader of {@code
   *     topic}
   * @param failures how many sends called while two nodes are down must have failed before the
   *     first node is started again
   * @param dir where the ledger goes
   */
  public static Result run(
      MessageQueue producerQueue,
      MessageQueue consumerQueue,
      String topic,
      String group,
      ClusterNodes nodes,
      int failures,
      Path dir)
      throws Exception {
    Ledger ledger = new Ledger(dir);
    KeyProgress handler = new KeyProgress(new RecordingHandler(ledger, 0));
    TimedProducer producer = new TimedProducer(producerQueue.createProducer());
    nodes.awaitInSync();
    try (Subscriber subscriber =
            consumerQueue.subscribe(
                Subscription.to(topic).group(group).concurrency(2).handler(handler).build());
        SteadySender sender = new SteadySender(producer, topic, ledger, 100)) {
      await().atMost(Duration.ofMinutes(1)).until(() -> handler.handled() >= 200);
      String leader = nodes.leader();
      String other =
          nodes.names().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
      nodes.kill(leader);
      nodes.kill(other);
      long downAt = System.nanoTime();
      await()
          .atMost(Duration.ofMinutes(2))
          .until(
              () ->
                  producer.answersCalledFrom(downAt).stream()
                          .filter(TimedProducer.Answer::failed)
                          .count()
                      >= failures);
      long returnedAt = System.nanoTime();
      nodes.start(leader);
      int sentAfterReturn = sender.issued();
      await().atMost(Duration.ofMinutes(2)).until(() -> handler.everyKeyFrom(sentAfterReturn));
      Duration recovery = Duration.ofNanos(System.nanoTime() - returnedAt);
      nodes.start(other);
      nodes.awaitInSync();
      long before = handler.handled();
      await().atMost(Duration.ofMinutes(1)).until(() -> handler.handled() >= before + 100);
      sender.close();
      await().atMost(Duration.ofMinutes(2)).until(sender::answered);
      await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> ledger.consumedIds().containsAll(ledger.sentIds()));
      List<TimedProducer.Answer> whileDown = producer.answersCalledBetween(downAt, returnedAt);
      long acknowledgedWhileDown =
          whileDown.stream().filter(a -> !a.failed() && a.answeredAt() - returnedAt < 0).count();
      return new Result(
          ledger.report(),
          sender.issued(),
          sender.failed(),
          List.of(leader, other),
          (int) acknowledgedWhileDown,
          whileDown.stream()
              .filter(TimedProducer.Answer::failed)
              .map(a -> new SendFailure(a.waited(), a.failure()))
              .toList(),
          (int) producer.answersCalledFrom(returnedAt).stream().filter(a -> !a.failed()).count(),
          recovery,
          sender.slowestAnswer());
    }
  }
}
