package io.agentmq.tck.fault;

import java.util.List;

/**
 * The nodes of a broker cluster under test, by name, as a node-loss scenario sees them: which one
 * leads the scenario's topic, and how to kill one with SIGKILL and start it again.
 */
public interface ClusterNodes {

  /** Every node's name. */
  List<String> names();

  /**
   * The node that leads the scenario's topic now (Kafka: its first partition; a queue's leader).
   */
  String leader() throws Exception;

  /**
   * SIGKILL: the node's process dies at once, nothing flushed or closed; returns once it is gone.
   */
  void kill(String node) throws Exception;

  /** Starts the node again on its data and address; returns once it accepts clients. */
  void start(String node) throws Exception;

  /**
   * Returns once every replica on the running nodes is in sync again: from then on the cluster can
   * lose another node without losing acknowledged messages.
   */
  void awaitInSync() throws Exception;
}
