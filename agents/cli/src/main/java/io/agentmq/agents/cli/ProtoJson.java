package io.agentmq.agents.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.agentmq.serialization.TypeRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Protobuf messages from and to JSON (or YAML), by type name, for the command-line tools. */
final class ProtoJson {
  private static final String PACKAGE = "agentmq.v1.";
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace();

  private ProtoJson() {}

  /** The registered type named {@code name}: a full name, or a simple name in agentmq.v1. */
  static Message prototype(TypeRegistry registry, String name) {
    return registry
        .find(name)
        .or(() -> registry.find(PACKAGE + name))
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown message type '"
                        + name
                        + "'; registered types: "
                        + String.join(", ", new java.util.TreeSet<>(registry.names()))));
  }

  /** Parses JSON (protobuf field names or their lowerCamel forms) into a message of the type. */
  static Message parse(Message prototype, String json) {
    Message.Builder builder = prototype.newBuilderForType();
    try {
      JsonFormat.parser().merge(json, builder);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "not a valid "
              + prototype.getDescriptorForType().getFullName()
              + " in JSON: "
              + e.getMessage());
    }
    return builder.build();
  }

  /** Reads a YAML ({@code .yaml}, {@code .yml}) or JSON file into a message of the type. */
  static Message read(Message prototype, Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    String text = Files.readString(file);
    if (name.endsWith(".yaml") || name.endsWith(".yml")) {
      JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(text);
      text = new ObjectMapper().writeValueAsString(tree);
    }
    return parse(prototype, text);
  }

  static String print(Message message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "cannot print " + message.getDescriptorForType().getFullName(), e);
    }
  }
}
