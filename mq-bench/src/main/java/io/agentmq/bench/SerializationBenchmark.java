package io.agentmq.bench;

import io.agentmq.agents.PipelineSchemas;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.Plan;
import io.agentmq.serialization.ContentType;
import io.agentmq.serialization.MessageCodec;
import io.agentmq.serialization.Samples;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encode + decode of a typical {@code ChangeRequest} and {@code Plan} through {@link MessageCodec}
 * (AgentMQ message with headers, decode by {@code mq-type}), per content type.
 *
 * <p>Run by {@code mq-bench/bench --only serialization}, next to {@link RawProtobufBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SerializationBenchmark {
  @Param({"PROTOBUF", "JSON", "BASE64"})
  public ContentType contentType;

  private MessageCodec codec;
  private ChangeRequest changeRequest;
  private Plan plan;

  @Setup
  public void setUp() {
    codec = PipelineSchemas.codec().encodingAs(contentType);
    changeRequest = Samples.changeRequest();
    plan = Samples.plan();
  }

  @Benchmark
  public Object changeRequestRoundTrip() {
    return codec.decode(codec.encode(changeRequest), ChangeRequest.class);
  }

  @Benchmark
  public Object planRoundTrip() {
    return codec.decode(codec.encode(plan), Plan.class);
  }
}
