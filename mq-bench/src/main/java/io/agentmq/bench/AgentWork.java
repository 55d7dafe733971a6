package io.agentmq.bench;

import io.agentmq.agents.CodePlanner;
import io.agentmq.agents.CodingAgent;
import io.agentmq.agents.DemoRepository;
import io.agentmq.agents.DryRunCodingAgent;
import io.agentmq.agents.ReferenceCodePlanner;
import io.agentmq.agents.ReferenceRequestPlanner;
import io.agentmq.agents.RequestPlanner;
import io.agentmq.proto.v1.CodingTask;
import io.agentmq.proto.v1.Plan;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;

/**
 * The agents' own work per change request with no messaging at all: the load's request, the
 * reference request and code planners and the git-free coding agent, called one after the other on
 * one thread. The pipeline rows' CPU per request includes it on both sides; what is left is the
 * messaging's.
 */
final class AgentWork {
  /** Only named in the requests: the git-free coding agent never opens it. */
  private static final Path REPO = Path.of("agent-work-repo");

  private final RequestPlanner requestPlanner = new ReferenceRequestPlanner();
  private final CodePlanner codePlanner = new ReferenceCodePlanner();
  private final CodingAgent codingAgent = new DryRunCodingAgent();
  private long sink;

  /**
   * CPU µs of this thread per request over {@code requests} requests, after as many unmeasured ones
   * for the JIT.
   */
  static double cpuMicrosPerRequest(int requests) throws Exception {
    AgentWork work = new AgentWork();
    work.run(requests);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadCpuTime();
    work.run(requests);
    double micros = (threads.getCurrentThreadCpuTime() - before) / 1e3 / requests;
    if (work.sink == 0) {
      throw new IllegalStateException("the agents produced no tasks");
    }
    return micros;
  }

  private void run(int requests) throws Exception {
    for (int i = 0; i < requests; i++) {
      Plan plan =
          requestPlanner.plan(
              DemoRepository.loadRequest(REPO, "agentmq/bench", i).toBuilder()
                  .setId("work-" + i)
                  .build());
      for (CodingTask task : codePlanner.tasks(plan)) {
        sink += codingAgent.apply(task).result().getSerializedSize();
      }
    }
  }
}
