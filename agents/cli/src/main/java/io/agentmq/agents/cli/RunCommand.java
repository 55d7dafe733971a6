package io.agentmq.agents.cli;

import io.agentmq.agents.Pipeline;
import io.agentmq.api.MqConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
  @Mixin BrokerOptions broker;

  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "AGENT", description = "agents to run, or all")
  List<String> agents;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description = "serve /health and /metrics on this port (0 picks a free one; off by default)")
  Integer httpPort;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    MqConfig config = broker.config();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Pipeline pipeline =
        Pipeline.create(config, agents, Pipeline.binding(MeterRegistry.class, metrics));
    CountDownLatch stopped = new CountDownLatch(1);
    HttpEndpoint http = null;
    try {
      pipeline.start();
      if (httpPort != null) {
        try {
          http = new HttpEndpoint(httpPort, pipeline, metrics, () -> stopped.getCount() > 0);
        } catch (java.net.BindException e) {
          throw new IllegalArgumentException(
              "cannot serve health and metrics on port "
                  + httpPort
                  + " ("
                  + e.getMessage()
                  + "); choose another --http-port, or 0 for any free one");
        }
      }
      HttpEndpoint endpoint = http;
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
                    stopped.countDown();
                  },
                  "agentmq-shutdown"));
      out.printf(
          "running %s on the '%s' backend%s; Ctrl-C to stop%n",
          String.join(", ", pipeline.runtime().services()),
          pipeline.queue().backend(),
          http == null ? "" : ", health and metrics on http://localhost:" + http.port());
      out.flush();
    } catch (Exception e) {
      pipeline.close();
      if (http != null) {
        http.close();
      }
      throw e;
    }
    stopped.await();
    return 0;
  }
}
