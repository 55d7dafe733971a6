package io.agentmq.agents.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmq.agents.PipelineSchemas;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.api.StartPosition;
import io.agentmq.api.Subscriber;
import io.agentmq.api.Subscription;
import io.agentmq.serialization.MessageCodec;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Prints a topic's messages as JSON lines. */
@Command(
    name = "tail",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the messages of a topic as JSON lines: topic, partition, offset, key, headers and"
          + " the payload decoded by its mq-type (undecodable payloads as base64 with the reason).",
      "Reads in a group of its own, deleted on exit, so no other reader loses a message."
    })
final class TailCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin BrokerOptions broker;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "TOPIC")
  String topic;

  @Option(
      names = "--from-beginning",
      description = "from the oldest message kept (default: only new ones)")
  boolean fromBeginning;

  @Option(names = "--max", paramLabel = "N", description = "stop after N messages")
  Integer max;

  @Option(
      names = "--idle-timeout",
      paramLabel = "SECONDS",
      description = "stop after this long without a message (default: run until Ctrl-C)")
  Long idleSeconds;

  private static void print(PrintWriter out, MessageCodec codec, io.agentmq.api.Delivery d)
      throws Exception {
    ObjectNode line = JSON.createObjectNode();
    line.put("topic", d.topic());
    line.put("partition", d.partition());
    line.put("offset", d.offset());
    d.key().ifPresent(k -> line.put("key", k));
    ObjectNode headers = line.putObject("headers");
    d.message().headers().forEach(headers::put);
    try {
      line.set("payload", JSON.readTree(ProtoJson.print(codec.decode(d.message()))));
    } catch (RuntimeException e) {
      line.put("payload_base64", Base64.getEncoder().encodeToString(d.payload()));
      line.put("undecodable", e.getMessage());
    }
    synchronized (out) {
      out.println(JSON.writeValueAsString(line));
      out.flush();
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    MessageCodec codec = PipelineSchemas.codec();
    String group = "agentmq-tail-" + UUID.randomUUID().toString().substring(0, 8);
    MqConfig config = broker.config();
    AtomicInteger count = new AtomicInteger();
    AtomicLong last = new AtomicLong(System.nanoTime());
    CountDownLatch done = new CountDownLatch(1);
    MessageQueue queue = MessageQueue.create(config);
    List<Subscriber> consumers = new CopyOnWriteArrayList<>();
    Runnable cleanUp =
        TemporaryGroup.cleanUp(
            queue,
            group,
            () -> consumers.forEach(Subscriber::close),
            queue::close,
            spec.commandLine().getErr());
    Thread hook =
        new Thread(
            () -> {
              done.countDown();
              cleanUp.run();
            },
            "agentmq-tail-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      consumers.add(
          queue.subscribe(
              Subscription.to(topic)
                  .group(group)
                  .concurrency(1)
                  .startFrom(fromBeginning ? StartPosition.EARLIEST : StartPosition.LATEST)
                  .handler(
                      d -> {
                        print(out, codec, d);
                        last.set(System.nanoTime());
                        if (max != null && count.incrementAndGet() >= max) {
                          done.countDown();
                        }
                      })
                  .build()));
      while (!done.await(200, TimeUnit.MILLISECONDS)) {
        if (idleSeconds != null
            && System.nanoTime() - last.get() > Duration.ofSeconds(idleSeconds).toNanos()) {
          break;
        }
      }
    } finally {
      cleanUp.run();
      Runtime.getRuntime().removeShutdownHook(hook);
    }
    return 0;
  }
}
