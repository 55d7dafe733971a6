package io.agentmq.agents.cli;

import io.agentmq.agents.PipelineSchemas;
import io.agentmq.agents.cli.console.Console;
import io.agentmq.agents.cli.console.PayloadDecoder;
import io.agentmq.api.MessageQueue;
import io.agentmq.micrometer.MessagingMetrics;
import io.agentmq.serialization.MessageCodec;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Serves the web console of a broker alone, without agents, until Ctrl-C. */
@Command(
    name = "console",
    mixinStandardHelpOptions = true,
    description = {
      "Serves the web console at http://HOST:PORT/console until Ctrl-C: topics, dead-letter topics"
          + " by reason with each message decoded, replay and purge, and rates of this process.",
      "Groups, lag and consumer health are those of the consumers running in the process: see"
          + " them in the console of 'agentmq run AGENT... --http-port PORT'.",
      "With a bearer token, every request (a browser's too) must send 'Authorization: Bearer"
          + " <token>'."
    })
final class ConsoleCommand implements Callable<Integer> {
  @Mixin BrokerOptions broker;

  @Mixin HttpOptions httpOptions;

  @Spec CommandSpec spec;

  @Option(
      names = "--http-port",
      required = true,
      paramLabel = "PORT",
      description = "serve the console, /health and /metrics on this port (0 picks a free one)")
  int httpPort;

  @Option(names = "--read-only", description = "show everything, but offer no replay or purge")
  boolean readOnly;

  @Override
  public Integer call() throws Exception {
    InetSocketAddress address = httpOptions.address(httpPort);
    Optional<BearerAuthenticator> token = httpOptions.token();
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch stopped = new CountDownLatch(1);
    MessageQueue queue = MessageQueue.create(broker.config());
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MessagingMetrics messaging = new MessagingMetrics(queue);
    Console console = null;
    HttpEndpoint http = null;
    try {
      messaging.bindTo(metrics);
      console =
          Console.start(
              queue, metrics, decoder(), Console.Settings.of(readOnly(readOnly, address, token)));
      http =
          new HttpEndpoint(
              address,
              token,
              queue::health,
              metrics::scrape,
              () -> stopped.getCount() > 0,
              Optional.of(console.handler()));
    } catch (Exception e) {
      close(http, console, messaging, queue);
      throw e;
    }
    HttpEndpoint endpoint = http;
    Console served = console;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  close(endpoint, served, messaging, queue);
                  stopped.countDown();
                },
                "agentmq-shutdown"));
    out.printf(
        "console of the '%s' backend on %s%s%s; Ctrl-C to stop%n",
        queue.backend(), http.url(), Console.PATH, describe(http, console));
    out.flush();
    stopped.await();
    return 0;
  }

  /**
   * Whether the console refuses replay and purge: when asked, and when it listens beyond this
   * machine without a token, where anyone who reaches the address could purge.
   */
  static boolean readOnly(
      boolean asked, InetSocketAddress address, Optional<BearerAuthenticator> token) {
    return asked || (token.isEmpty() && !address.getAddress().isLoopbackAddress());
  }

  /** The endpoint's notes and the console's mode, for the startup line. */
  static String describe(HttpEndpoint http, Console console) {
    String where = http.description().substring(http.url().length());
    return where + (console.readOnly() ? " (read-only)" : "");
  }

  /** Dead letters' payloads decoded by the pipeline's type registry and printed as JSON. */
  static PayloadDecoder decoder() {
    MessageCodec codec = PipelineSchemas.codec();
    return message -> ProtoJson.print(codec.decode(message));
  }

  private static void close(
      HttpEndpoint http, Console console, MessagingMetrics messaging, MessageQueue queue) {
    if (http != null) {
      http.close();
    }
    if (console != null) {
      console.close();
    }
    messaging.close();
    queue.close();
  }
}
