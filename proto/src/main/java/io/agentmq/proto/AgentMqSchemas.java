package io.agentmq.proto;

import com.google.protobuf.Descriptors.FileDescriptor;
import io.agentmq.proto.v1.ChangeRequestProto;
import io.agentmq.proto.v1.CodingTaskProto;
import io.agentmq.proto.v1.MetadataProto;
import io.agentmq.proto.v1.PlanProto;
import io.agentmq.proto.v1.ResultsProto;
import java.util.List;

/** The schema files of the agent messages ({@code agentmq.v1}). */
public final class AgentMqSchemas {
  private AgentMqSchemas() {}

  /** Every {@code agentmq.v1} file; their top-level messages are the types sent on topics. */
  public static List<FileDescriptor> files() {
    return List.of(
        MetadataProto.getDescriptor(),
        ChangeRequestProto.getDescriptor(),
        PlanProto.getDescriptor(),
        CodingTaskProto.getDescriptor(),
        ResultsProto.getDescriptor());
  }
}
