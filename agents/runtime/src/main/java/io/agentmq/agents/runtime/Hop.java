package io.agentmq.agents.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One message handled by one service: what came in, on which trace, what went out.
 *
 * @param service the service that handled it
 * @param topic the topic it came from
 * @param type the protobuf full name of the input
 * @param correlationId the request the message belongs to
 * @param trace this hop's span (its parent is the sender's span)
 * @param outputs the topics of the messages the handler emitted, in order
 * @param latency time in the handler, outputs stored included
 * @param failure why the handler failed; empty when it succeeded
 */
public record Hop(
    String service,
    String topic,
    String type,
    String correlationId,
    TraceContext trace,
    List<String> outputs,
    Duration latency,
    Optional<String> failure) {

  /** Receives every hop as it happens, on the consumer thread; must be quick and not throw. */
  @FunctionalInterface
  public interface Listener {
    Listener NONE = hop -> {};

    void onHop(Hop hop);
  }
}
