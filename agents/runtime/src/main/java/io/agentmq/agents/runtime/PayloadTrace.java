package io.agentmq.agents.runtime;

import com.google.protobuf.Message;
import java.util.Optional;

/**
 * Reads the trace context and correlation id that an application's payload carries in a field of
 * its own, for messages from senders that set no {@code traceparent} or {@code mq-correlation-id}
 * header. The runtime knows no application schema: the application supplies this hook, or leaves it
 * at {@link #NONE} when headers are all it uses. Called on handler threads; must be thread-safe.
 */
@FunctionalInterface
public interface PayloadTrace {
  /** Payloads carry no trace of their own. */
  PayloadTrace NONE = payload -> Optional.empty();

  /** What {@code payload} carries; empty when its type has no such field or it is not set. */
  Optional<Carried> read(Message payload);

  /**
   * A payload's own trace context and correlation id.
   *
   * @param trace the sender's span, continued by the hop
   * @param correlationId the request the payload belongs to
   */
  record Carried(Optional<TraceContext> trace, Optional<String> correlationId) {}
}
