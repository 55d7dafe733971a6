package io.agentmq.proto;

import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The schema-evolution check that {@code mvn verify} runs: the schemas as they are now must read
 * everything written with the committed baseline ({@code proto/schema-baseline.textproto}).
 *
 * <p>After a deliberate change, update the baseline with {@code mvn -pl proto verify
 * -Dagentmq.schema.update=true} and commit it.
 */
class SchemaBaselineTest {

  static FileDescriptorSet current() {
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    for (FileDescriptor file : AgentMqSchemas.files()) {
      set.addFile(file.toProto());
    }
    return set.build();
  }

  @Test
  @DisplayName("keeps the agentmq.v1 schemas compatible with the committed baseline")
  void compatibleWithBaseline() throws IOException {
    Path baseline =
        Path.of(System.getProperty("agentmq.schema.baseline", "schema-baseline.textproto"));
    if (Boolean.getBoolean("agentmq.schema.update")) {
      Files.writeString(
          baseline,
          "# Baseline of the agentmq.v1 schemas for the schema-evolution check (SchemaBaselineTest).\n"
              + "# Update on purpose: mvn -pl proto verify -Dagentmq.schema.update=true\n"
              + TextFormat.printer().printToString(current()),
          StandardCharsets.UTF_8);
      System.out.println("Schema baseline written to " + baseline.toAbsolutePath());
      return;
    }
    FileDescriptorSet.Builder old = FileDescriptorSet.newBuilder();
    TextFormat.merge(Files.readString(baseline, StandardCharsets.UTF_8), old);

    List<SchemaCompatibility.Violation> violations =
        SchemaCompatibility.check(
            old.build(), current(), SchemaCompatibility.topLevelMessages(old.build()));

    if (!violations.isEmpty()) {
      fail(
          "Breaking schema changes against "
              + baseline
              + ":\n  - "
              + violations.stream().map(Object::toString).collect(Collectors.joining("\n  - "))
              + "\nFix them, or if the break is intended and every reader is updated, refresh the"
              + " baseline: mvn -pl proto verify -Dagentmq.schema.update=true");
    }
  }
}
