package io.agentmq.agents;

import io.agentmq.api.ConfigException;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MessagingException;
import io.agentmq.api.MqConfig;
import io.agentmq.api.Producer;
import io.agentmq.api.Subscription;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A small pipeline on the configured backend ({@code MQ_BROKER_TYPE}, memory by default), written
 * against mq-api alone: a planner splits a markdown change request into steps, a worker handles
 * each step, and the results come back to the caller. Each hop is printed as it happens.
 */
public final class Main {
  static final String REQUESTS = "example.requests";
  static final String STEPS = "example.steps";
  static final String RESULTS = "example.results";

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    MqConfig config;
    try {
      config = MqConfig.load();
    } catch (ConfigException e) {
      System.err.println("agentmq: " + e.getMessage());
      System.exit(2);
      return;
    }
    String request =
        args.length > 0
            ? String.join(" ", args)
            : "Add a health endpoint\n- add /health route\n- report broker status\n- document it";
    List<String> steps = steps(request);
    try {
      System.exit(run(config, request, steps.size()) ? 0 : 1);
    } catch (MessagingException e) {
      // Bad configuration or an unreachable broker: the message says what to fix.
      System.err.println("agentmq: " + e.getMessage());
      System.exit(2);
    }
  }

  /** The markdown list items of a request, or the whole request as one step. */
  static List<String> steps(String request) {
    List<String> items =
        request
            .lines()
            .map(String::strip)
            .filter(line -> line.startsWith("- "))
            .map(line -> line.substring(2))
            .collect(Collectors.toList());
    return items.isEmpty() ? List.of(request.strip()) : items;
  }

  static boolean run(MqConfig config, String request, int expectedSteps)
      throws InterruptedException {
    try (MessageQueue queue = MessageQueue.create(config)) {
      System.out.printf("AgentMQ example on the '%s' backend%n", queue.backend());
      CountDownLatch finished = new CountDownLatch(expectedSteps);

      queue.subscribe(
          Subscription.to(REQUESTS)
              .group(config.group("example_planner"))
              .handler(
                  d -> {
                    List<String> lines = steps(d.message().payloadAsText());
                    System.out.printf(
                        "  planner  <- %s: %d step(s) from request %s%n",
                        REQUESTS, lines.size(), d.id());
                    for (String step : lines) {
                      d.producer()
                          .sendAndWait(
                              STEPS,
                              Message.builder(step.getBytes(StandardCharsets.UTF_8))
                                  .key(d.id())
                                  .header(Headers.CORRELATION_ID, d.id())
                                  .build());
                    }
                  })
              .build());

      queue.subscribe(
          Subscription.to(STEPS)
              .group(config.group("example_worker"))
              .handler(
                  d -> {
                    String step = d.message().payloadAsText();
                    System.out.printf("  worker   <- %s: \"%s\"%n", STEPS, step);
                    d.producer()
                        .sendAndWait(
                            RESULTS,
                            Message.builder(("done: " + step).getBytes(StandardCharsets.UTF_8))
                                .key(d.key().orElse(null))
                                .header(
                                    Headers.CORRELATION_ID,
                                    d.header(Headers.CORRELATION_ID).orElse(""))
                                .build());
                  })
              .build());

      queue.subscribe(
          RESULTS,
          config.group("example_caller"),
          d -> {
            System.out.printf(
                "  caller   <- %s: %s (request %s)%n",
                RESULTS, d.message().payloadAsText(), d.header(Headers.CORRELATION_ID).orElse("?"));
            finished.countDown();
          });

      Producer producer = queue.createProducer();
      Message message = Message.ofText(request);
      String id = message.id();
      System.out.printf("  caller   -> %s: request %s%n", REQUESTS, id);
      producer.sendAndWait(REQUESTS, message);

      boolean complete = finished.await(30, TimeUnit.SECONDS);
      System.out.printf(
          complete ? "Request %s completed: %d step(s) done%n" : "Request %s timed out%n",
          id,
          expectedSteps);
      System.out.println("Health: " + queue.health().status());
      return complete;
    }
  }
}
