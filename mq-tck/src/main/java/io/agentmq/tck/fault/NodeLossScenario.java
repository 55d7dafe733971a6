package io.agentmq.tck.fault;

import static org.awaitility.Awaitility.await;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One node of a three-node cluster lost at a time while a producer sends and a consumer group
 * consumes: the node leading the topic is killed with SIGKILL, the cluster carries on without it,
 * the node is started again and waited for until its replicas are in sync; then another node, the
 * topic's new leader, goes the same way. Every send whose future completed must be consumed; what
 * was in flight at a kill comes back as duplicates. Producer and consumer are the same {@link
 * MessageQueue}s throughout: they fail over on their clients' own reconnection.
 */
public final class NodeLossScenario {

  /**
   * One node lost and recovered.
   *
   * @param node the node killed
   * @param failover from the kill until every key had a message handled that was sent after the
   *     kill, with the node still down: what the loss costs the stream
   * @param rejoin from starting the node again until all its replicas were in sync
   */
  public record Loss(String node, Duration failover, Duration rejoin) {
    @Override
    public String toString() {
      return String.format(
          "node %s: failover %d ms, back in sync %d ms after its restart",
          node, failover.toMillis(), rejoin.toMillis());
    }
  }

  /**
   * What happened.
   *
   * @param report the ledger's counts
   * @param issued sends made
   * @param failed sends whose future failed (not in the ledger)
   * @param losses the nodes lost, in order
   * @param slowestAnswer the longest time a send waited for its future's outcome
   */
  public record Result(
      Ledger.Report report, int issued, int failed, List<Loss> losses, Duration slowestAnswer) {
    public Result {
      losses = List.copyOf(losses);
    }

    /** The longest failover of the losses. */
    public Duration slowestFailover() {
      return losses.stream().map(Loss::failover).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    @Override
    public String toString() {
      return String.format(
          "%s; %d sends, %d failed, slowest send answer %d ms; %s",
          report, issued, failed, slowestAnswer.toMillis(), losses);
    }
  }

  private NodeLossScenario() {}

  /**
   * Runs the scenario on {@code topic}, read by {@code group}; the cluster is whole again at the
   * end.
   *
   * @param producerQueue sends, with the backend's durable defaults and a send timeout that covers
   *     a failover (failed sends are counted either way)
   * @param consumerQueue consumes, at-least-once; another queue, with its own connections
   * @param nodes the cluster; {@link ClusterNodes#leader()} names the leader of {@code topic}
   * @param dir where the ledger goes
   */
  public static Result run(
      MessageQueue producerQueue,
      MessageQueue consumerQueue,
      String topic,
      String group,
      ClusterNodes nodes,
      Path dir)
      throws Exception {
    Ledger ledger = new Ledger(dir);
    KeyProgress handler = new KeyProgress(new RecordingHandler(ledger, 0));
    nodes.awaitInSync();
    try (Subscriber subscriber =
            consumerQueue.subscribe(
                Subscription.to(topic).group(group).concurrency(2).handler(handler).build());
        SteadySender sender =
            new SteadySender(producerQueue.createProducer(), topic, ledger, 200)) {
      List<Loss> losses = new ArrayList<>();
      String first = nodes.leader();
      losses.add(lose(first, nodes, handler, sender));
      String next = nodes.leader();
      String second =
          next.equals(first)
              ? nodes.names().stream().filter(n -> !n.equals(first)).findFirst().orElseThrow()
              : next;
      losses.add(lose(second, nodes, handler, sender));
      long before = handler.handled();
      await().atMost(Duration.ofMinutes(1)).until(() -> handler.handled() >= before + 200);
      sender.close();
      await().atMost(Duration.ofMinutes(2)).until(sender::answered);
      await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> ledger.consumedIds().containsAll(ledger.sentIds()));
      return new Result(
          ledger.report(), sender.issued(), sender.failed(), losses, sender.slowestAnswer());
    }
  }

  /** Mid-stream: kills {@code node}, waits for the stream to go on without it, brings it back. */
  private static Loss lose(
      String node, ClusterNodes nodes, KeyProgress handler, SteadySender sender) throws Exception {
    long before = handler.handled();
    await().atMost(Duration.ofMinutes(1)).until(() -> handler.handled() >= before + 300);
    long killedAt = System.nanoTime();
    nodes.kill(node);
    int sentAfterKill = sender.issued();
    await().atMost(Duration.ofMinutes(2)).until(() -> handler.everyKeyFrom(sentAfterKill));
    Duration failover = Duration.ofNanos(System.nanoTime() - killedAt);
    long startedAt = System.nanoTime();
    nodes.start(node);
    nodes.awaitInSync();
    return new Loss(node, failover, Duration.ofNanos(System.nanoTime() - startedAt));
  }
}
