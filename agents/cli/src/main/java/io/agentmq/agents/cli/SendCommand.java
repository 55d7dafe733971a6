package io.agentmq.agents.cli;

import com.google.protobuf.Message;
import io.agentmq.agents.PipelineSchemas;
import io.agentmq.agents.runtime.TraceContext;
import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Headers;
import io.agentmq.api.MessageQueue;
import io.agentmq.serialization.MessageCodec;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Sends one message: JSON in, protobuf on the wire. */
@Command(
    name = "send",
    mixinStandardHelpOptions = true,
    description = {
      "Sends one message of any registered type to a topic: JSON in (from the argument, --file"
          + " or standard input), protobuf binary on the wire, with a new trace.",
      "Example: agentmq send plan.in --type ChangeRequest"
          + " '{\"description_md\": \"- add x\", \"repo\": \"/tmp/repo\"}'"
    })
final class SendCommand implements Callable<Integer> {
  @Mixin BrokerOptions broker;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "TOPIC")
  String topic;

  @Parameters(index = "1", arity = "0..1", paramLabel = "JSON", description = "the message")
  String json;

  @Option(
      names = "--type",
      required = true,
      paramLabel = "TYPE",
      description = "protobuf type, e.g. ChangeRequest or agentmq.v1.ChangeRequest")
  String type;

  @Option(names = "--file", paramLabel = "FILE", description = "read the message from a file")
  Path file;

  @Option(names = "--key", paramLabel = "KEY", description = "message key")
  String key;

  @Override
  public Integer call() throws Exception {
    MessageCodec codec = PipelineSchemas.codec();
    Message prototype = ProtoJson.prototype(codec.registry(), type);
    String text;
    if (json != null) {
      text = json;
    } else if (file != null) {
      text = Files.readString(file);
    } else {
      try (InputStream in = System.in) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
    Message payload = ProtoJson.parse(prototype, text);
    TraceContext trace = TraceContext.newTrace();
    io.agentmq.api.Message message =
        codec.encoder(payload).key(key).header(Headers.TRACEPARENT, trace.traceparent()).build();
    try (MessageQueue queue = MessageQueue.create(broker.config())) {
      DeliveryReport report = queue.createProducer().sendAndWait(topic, message);
      spec.commandLine()
          .getOut()
          .printf(
              "sent %s %s to %s (partition %d, offset %d), trace %s%n",
              prototype.getDescriptorForType().getFullName(),
              message.id(),
              report.topic(),
              report.partition(),
              report.offset(),
              trace.traceId());
      spec.commandLine().getOut().flush();
    }
    return 0;
  }
}
