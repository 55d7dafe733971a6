package io.agentmq.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.Plan;
import io.agentmq.serialization.Samples;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The baseline of {@link SerializationBenchmark}: the same messages through protobuf-java alone
 * ({@code toByteArray}/{@code parseFrom}, {@code JsonFormat} print/merge), no AgentMQ message.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RawProtobufBenchmark {
  private final ChangeRequest changeRequest = Samples.changeRequest();
  private final Plan plan = Samples.plan();
  private final JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
  private final JsonFormat.Parser parser = JsonFormat.parser().ignoringUnknownFields();

  @Benchmark
  public Object changeRequestBinary() throws InvalidProtocolBufferException {
    return ChangeRequest.parseFrom(changeRequest.toByteArray());
  }

  @Benchmark
  public Object planBinary() throws InvalidProtocolBufferException {
    return Plan.parseFrom(plan.toByteArray());
  }

  @Benchmark
  public Object changeRequestJson() throws InvalidProtocolBufferException {
    ChangeRequest.Builder b = ChangeRequest.newBuilder();
    parser.merge(printer.print(changeRequest), b);
    return b.build();
  }

  @Benchmark
  public Object planJson() throws InvalidProtocolBufferException {
    Plan.Builder b = Plan.newBuilder();
    parser.merge(printer.print(plan), b);
    return b.build();
  }
}
