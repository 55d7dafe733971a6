package io.agentmq.tck;

/**
 * What a backend supports; the suite skips (with a printed reason) the tests that need a capability
 * the backend declares it lacks.
 *
 * @param persistent messages survive the broker process restarting
 * @param orderedPerKey messages of one key are handled in publish order within a group
 * @param consumerGroups consumers of one group share messages and each group gets all of them
 * @param exactlyOnce {@code EXACTLY_ONCE} is atomic: what a handler sends and its acknowledgement
 * @param newGroupReadsHistory a new group starting at EARLIEST gets messages published before it
 *     existed
 * @param brokerRestart the backend's tests can restart the broker under load
 * @param partitions topics have the number of partitions they are created with
 */
public record Capabilities(
    boolean persistent,
    boolean orderedPerKey,
    boolean consumerGroups,
    boolean exactlyOnce,
    boolean newGroupReadsHistory,
    boolean brokerRestart,
    boolean partitions) {

  /** Everything. */
  public static Capabilities all() {
    return new Capabilities(true, true, true, true, true, true, true);
  }

  public Capabilities withoutPersistence() {
    return new Capabilities(
        false,
        orderedPerKey,
        consumerGroups,
        exactlyOnce,
        newGroupReadsHistory,
        brokerRestart,
        partitions);
  }

  public Capabilities withoutBrokerRestart() {
    return new Capabilities(
        persistent,
        orderedPerKey,
        consumerGroups,
        exactlyOnce,
        newGroupReadsHistory,
        false,
        partitions);
  }

  public Capabilities withoutExactlyOnce() {
    return new Capabilities(
        persistent,
        orderedPerKey,
        consumerGroups,
        false,
        newGroupReadsHistory,
        brokerRestart,
        partitions);
  }

  public Capabilities withoutNewGroupReadsHistory() {
    return new Capabilities(
        persistent, orderedPerKey, consumerGroups, exactlyOnce, false, brokerRestart, partitions);
  }

  public Capabilities withoutPartitions() {
    return new Capabilities(
        persistent,
        orderedPerKey,
        consumerGroups,
        exactlyOnce,
        newGroupReadsHistory,
        brokerRestart,
        false);
  }
}
