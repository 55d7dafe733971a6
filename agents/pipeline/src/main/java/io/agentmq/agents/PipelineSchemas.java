package io.agentmq.agents;

import io.agentmq.proto.AgentMqSchemas;
import io.agentmq.serialization.MessageCodec;
import io.agentmq.serialization.TypeRegistry;

/** The pipeline's message types ({@code agentmq.v1}), handed to the codec that decodes them. */
public final class PipelineSchemas {
  private PipelineSchemas() {}

  /** A registry of every {@code agentmq.v1} message. */
  public static TypeRegistry registry() {
    return TypeRegistry.of(AgentMqSchemas.files());
  }

  /** A protobuf-binary codec for the pipeline's messages. */
  public static MessageCodec codec() {
    return MessageCodec.create(registry());
  }
}
