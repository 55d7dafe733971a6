package io.agentmq.agents.cli;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.agents.Pipeline;
import io.agentmq.agents.cli.console.Console;
import io.agentmq.api.Health;
import io.agentmq.api.MqConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Runs agents as long-lived services until SIGTERM or Ctrl-C. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the named agents as services until SIGTERM or Ctrl-C, which drains in-flight messages"
          + " and commits them before exiting.",
      "Agents: request-planner, code-planner, coding-agent, orchestrator, or all."
    })
final class RunCommand implements Callable<Integer> {
  /** The exit code when the services stayed DOWN: EX_SOFTWARE of sysexits.h. */
  static final int EXIT_UNHEALTHY = 70;

  @Mixin BrokerOptions broker;

  @Mixin HttpOptions httpOptions;

  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "AGENT", description = "agents to run, or all")
  List<String> agents;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description =
          "serve /health, /metrics and the web console (/console) on this port (0 picks a free"
              + " one; off by default)")
  Integer httpPort;

  @Option(
      names = "--console-read-only",
      description =
          "the web console shows everything but offers no replay or purge (always so on an"
              + " address beyond this machine without a token)")
  boolean consoleReadOnly;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    InetSocketAddress httpAddress = null;
    Optional<BearerAuthenticator> httpToken = Optional.empty();
    if (httpPort != null) {
      httpAddress = httpOptions.address(httpPort);
      httpToken = httpOptions.token();
    } else if (httpOptions.tokenFile != null
        || spec.commandLine().getParseResult().hasMatchedOption("--http-host")) {
      throw new IllegalArgumentException(
          "--http-host and --http-token-file configure the HTTP endpoint; add --http-port to serve it");
    } else if (consoleReadOnly) {
      throw new IllegalArgumentException(
          "--console-read-only configures the web console of the HTTP endpoint; add --http-port to"
              + " serve it");
    }
    MqConfig config = broker.config();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Pipeline pipeline =
        Pipeline.create(config, agents, Pipeline.binding(MeterRegistry.class, metrics));
    CountDownLatch stopped = new CountDownLatch(1);
    HttpEndpoint http = null;
    Console console = null;
    try {
      pipeline.start();
      if (httpPort != null) {
        // The runtime binds the queue's MessagingMetrics to this registry: the console samples it.
        console =
            Console.start(
                pipeline.queue(),
                metrics,
                ConsoleCommand.decoder(),
                Console.Settings.of(
                    ConsoleCommand.readOnly(consoleReadOnly, httpAddress, httpToken)));
        http =
            new HttpEndpoint(
                httpAddress,
                httpToken,
                pipeline::health,
                metrics::scrape,
                () -> stopped.getCount() > 0,
                Optional.of(console.handler()));
      }
      HttpEndpoint endpoint = http;
      Console served = console;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    out.println("stopping: finishing in-flight messages");
                    out.flush();
                    pipeline.close();
                    if (endpoint != null) {
                      endpoint.close();
                    }
                    if (served != null) {
                      served.close();
                    }
                    stopped.countDown();
                  },
                  "agentmq-shutdown"));
      out.printf(
          "running %s on the '%s' backend%s; Ctrl-C to stop%n",
          String.join(", ", pipeline.runtime().services()),
          pipeline.queue().backend(),
          http == null
              ? ""
              : ", console on "
                  + http.url()
                  + Console.PATH
                  + (console.readOnly() ? " (read-only)" : "")
                  + ", health and metrics on "
                  + http.description());
      out.flush();
    } catch (Exception e) {
      pipeline.close();
      if (http != null) {
        http.close();
      }
      if (console != null) {
        console.close();
      }
      throw e;
    }
    Duration unhealthyExit = AgentsConfig.of(config).unhealthyExit();
    if (unhealthyExit.isZero()) {
      stopped.await();
      return 0;
    }
    return watch(pipeline, stopped, unhealthyExit);
  }

  /**
   * Waits for the shutdown hook, checking health meanwhile: a service DOWN for {@code
   * unhealthyExit} without a break (its consumer loop died, the broker cancelled it, a handler is
   * stuck) makes the process exit with {@link #EXIT_UNHEALTHY}, for a supervisor to restart it.
   */
  private int watch(Pipeline pipeline, CountDownLatch stopped, Duration unhealthyExit)
      throws InterruptedException {
    long checkMillis = Math.max(100, Math.min(1000, unhealthyExit.toMillis() / 4));
    long downSince = 0;
    while (!stopped.await(checkMillis, TimeUnit.MILLISECONDS)) {
      Health health = pipeline.runtime().health();
      if (health.isUp()) {
        downSince = 0;
        continue;
      }
      long now = System.nanoTime();
      if (downSince == 0) {
        downSince = now;
      } else if (now - downSince >= unhealthyExit.toNanos()) {
        PrintWriter err = spec.commandLine().getErr();
        err.printf(
            "error: the services have been DOWN for %d ms (agents.unhealthy_exit_ms): %s;"
                + " exiting so that they are restarted%n",
            unhealthyExit.toMillis(), String.join("; ", reasons(health.details())));
        err.flush();
        return EXIT_UNHEALTHY;
      }
    }
    return 0;
  }

  /** Every {@code reason} in a health tree. */
  private static List<String> reasons(Map<String, Object> details) {
    List<String> found = new ArrayList<>();
    details.forEach(
        (key, value) -> {
          if (key.equals("reason")) {
            found.add(String.valueOf(value));
          } else if (value instanceof Health h) {
            found.addAll(reasons(h.details()));
          } else if (value instanceof Map<?, ?> m) {
            Map<String, Object> nested = new LinkedHashMap<>();
            m.forEach((k, v) -> nested.put(String.valueOf(k), v));
            found.addAll(reasons(nested));
          }
        });
    return found;
  }
}
