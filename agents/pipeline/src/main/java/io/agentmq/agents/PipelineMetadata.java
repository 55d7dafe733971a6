package io.agentmq.agents;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.agentmq.agents.runtime.AgentContext;
import io.agentmq.agents.runtime.PayloadTrace;
import io.agentmq.agents.runtime.TraceContext;
import io.agentmq.proto.v1.Metadata;
import java.util.Optional;

/**
 * The pipeline's {@code Metadata} field: every {@code agentmq.v1} message carries its hop's trace,
 * span, parent span and correlation id, for readers of the payload alone. Writes it for outputs
 * and, as the runtime's {@link PayloadTrace}, reads it from inputs that came without headers.
 */
public final class PipelineMetadata implements PayloadTrace {
  public static final PipelineMetadata INSTANCE = new PipelineMetadata();

  private PipelineMetadata() {}

  /** Metadata for an output of the hop in hand: this hop's span and the request's id. */
  public static Metadata of(AgentContext context) {
    return of(context.trace(), context.correlationId());
  }

  /** Metadata for a message sent on {@code trace} for request {@code correlationId}. */
  public static Metadata of(TraceContext trace, String correlationId) {
    return Metadata.newBuilder()
        .setTraceId(trace.traceId())
        .setSpanId(trace.spanId())
        .setParentSpanId(trace.parentSpanId())
        .setCorrelationId(correlationId)
        .build();
  }

  /** The payload's {@code metadata} field, when its type has one of type Metadata and it is set. */
  @Override
  public Optional<Carried> read(Message payload) {
    FieldDescriptor field = payload.getDescriptorForType().findFieldByName("metadata");
    if (field == null
        || field.getType() != FieldDescriptor.Type.MESSAGE
        || !field.getMessageType().getFullName().equals(Metadata.getDescriptor().getFullName())
        || !payload.hasField(field)
        || !(payload.getField(field) instanceof Metadata m)) {
      return Optional.empty();
    }
    return Optional.of(
        new Carried(
            TraceContext.parse("00-" + m.getTraceId() + "-" + m.getSpanId() + "-01"),
            Optional.of(m.getCorrelationId()).filter(id -> !id.isEmpty())));
  }
}
