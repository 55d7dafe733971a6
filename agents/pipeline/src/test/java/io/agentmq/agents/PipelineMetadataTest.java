package io.agentmq.agents;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.agents.runtime.PayloadTrace;
import io.agentmq.agents.runtime.TraceContext;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.Plan;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PipelineMetadataTest {

  @Test
  @DisplayName("a payload's metadata gives the runtime the sender's span and the request id")
  void readsWhatItWrites() {
    TraceContext sender = TraceContext.newTrace().child();
    Plan plan =
        Plan.newBuilder()
            .setRequestId("r1")
            .setMetadata(PipelineMetadata.of(sender, "request-7"))
            .build();

    PayloadTrace.Carried carried = PipelineMetadata.INSTANCE.read(plan).orElseThrow();

    assertThat(carried.trace())
        .hasValueSatisfying(
            t -> {
              assertThat(t.traceId()).isEqualTo(sender.traceId());
              assertThat(t.spanId()).isEqualTo(sender.spanId());
            });
    assertThat(carried.correlationId()).contains("request-7");
  }

  @Test
  @DisplayName("a payload without metadata, or with it unset, carries nothing")
  void nothingWithoutMetadata() {
    assertThat(PipelineMetadata.INSTANCE.read(Plan.newBuilder().setRequestId("r1").build()))
        .isEmpty();
    assertThat(PipelineMetadata.INSTANCE.read(ChangeRequest.newBuilder().setId("r2").build()))
        .isEmpty();
  }
}
