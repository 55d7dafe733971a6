package io.agentmq.tck;

import java.util.EnumSet;
import java.util.Set;

/**
 * What a backend supports, by name; the suite skips (with a printed reason) the tests that need a
 * capability the backend declares it lacks. Read as a sentence: {@code
 * Capabilities.all().without(Capability.EXACTLY_ONCE)}.
 */
public final class Capabilities {

  /** A behaviour some brokers lack, that the suite checks when a backend declares it. */
  public enum Capability {
    /** Messages of one key are handled in publish order within a group. */
    ORDERED_PER_KEY,
    /** Consumers of one group share messages, and each group gets all of them. */
    CONSUMER_GROUPS,
    /** {@code EXACTLY_ONCE} is atomic: what a handler sends and its acknowledgement. */
    EXACTLY_ONCE,
    /** A new group starting at EARLIEST gets messages published before it existed. */
    NEW_GROUP_READS_HISTORY,
    /** Topics have the number of partitions they are created with. */
    PARTITIONS,
    /**
     * {@link io.agentmq.api.Message#timestamp()} keeps milliseconds; without it, whole seconds (the
     * AMQP {@code timestamp} property).
     */
    MILLISECOND_TIMESTAMPS,
    /**
     * An async handler is handed the next deliveries while up to {@code maxInFlight} of a partition
     * (RabbitMQ: of a lane) are unfinished; without it, one at a time.
     */
    PIPELINED_ASYNC_HANDLERS
  }

  private final Set<Capability> supported;

  private Capabilities(Set<Capability> supported) {
    this.supported = supported;
  }

  /** Every capability. */
  public static Capabilities all() {
    return new Capabilities(EnumSet.allOf(Capability.class));
  }

  /** These capabilities declared missing. */
  public Capabilities without(Capability first, Capability... more) {
    Set<Capability> fewer = EnumSet.copyOf(supported);
    fewer.remove(first);
    fewer.removeAll(Set.of(more));
    return new Capabilities(fewer);
  }

  public boolean has(Capability capability) {
    return supported.contains(capability);
  }

  @Override
  public String toString() {
    return "Capabilities" + supported;
  }
}
