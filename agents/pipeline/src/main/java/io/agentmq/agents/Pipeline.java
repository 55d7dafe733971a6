package io.agentmq.agents;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Module;
import com.google.inject.ProvisionException;
import com.google.inject.util.Modules;
import io.agentmq.agents.runtime.AgentRuntime;
import io.agentmq.agents.runtime.AgentService;
import io.agentmq.api.Health;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The lifecycle of the services the injector holds: {@link #start()} subscribes each, {@link
 * #close()} stops them (in-flight messages finish and are acknowledged), stops the orchestrator's
 * timer and closes the queue. Which services run is decided by which agent modules are installed.
 */
public final class Pipeline implements AutoCloseable {
  /** The agent modules by service name, in pipeline order. */
  public static final Map<String, Supplier<Module>> AGENTS = agents();

  private final AgentRuntime runtime;
  private final Set<AgentService> services;
  private final MessageQueue queue;
  private final Optional<Orchestrator> orchestrator;
  private boolean closed;
  private boolean ownsQueue = true;

  @Inject
  Pipeline(
      AgentRuntime runtime,
      Set<AgentService> services,
      MessageQueue queue,
      Optional<Orchestrator> orchestrator) {
    this.runtime = runtime;
    this.services = services;
    this.queue = queue;
    this.orchestrator = orchestrator;
  }

  private static Map<String, Supplier<Module>> agents() {
    Map<String, Supplier<Module>> m = new LinkedHashMap<>();
    m.put(RequestPlannerModule.NAME, RequestPlannerModule::new);
    m.put(CodePlannerModule.NAME, CodePlannerModule::new);
    m.put(CodingAgentModule.NAME, CodingAgentModule::new);
    m.put(OrchestratorModule.NAME, OrchestratorModule::new);
    return java.util.Collections.unmodifiableMap(m);
  }

  /**
   * The modules of the named agents ({@code all} for the four).
   *
   * @throws IllegalArgumentException naming the unknown agent and the known ones
   */
  public static List<Module> modules(List<String> names) {
    List<Module> modules = new ArrayList<>();
    Collection<String> wanted =
        names.contains("all") ? AGENTS.keySet() : new java.util.LinkedHashSet<>(names);
    for (String name : wanted) {
      Supplier<Module> module = AGENTS.get(name);
      if (module == null) {
        throw new IllegalArgumentException(
            "unknown agent '" + name + "'; known: " + String.join(", ", AGENTS.keySet()) + ", all");
      }
      modules.add(module.get());
    }
    return modules;
  }

  /**
   * Builds the injector of the named agents on the configured backend and returns its pipeline, not
   * started. {@code extra} modules may bind a {@link io.agentmq.agents.runtime.Hop.Listener}, a
   * {@code MeterRegistry} or an agent implementation with {@code OptionalBinder.setBinding()}.
   *
   * @throws io.agentmq.api.MessagingException when the broker cannot be reached or the
   *     configuration is invalid, with the message of the backend
   */
  public static Pipeline create(MqConfig config, List<String> agents, Module... extra) {
    return inject(new MessagingModule(config), agents, extra);
  }

  /**
   * As {@link #create(MqConfig, List, Module...)}, on a queue the caller opened and keeps: {@link
   * #close()} stops the services but leaves the queue open. Several pipelines may share one queue
   * (the in-memory broker lives in its queue).
   */
  public static Pipeline create(MessageQueue queue, List<String> agents, Module... extra) {
    Module messaging =
        Modules.override(new MessagingModule(queue.config()))
            .with(binder -> binder.bind(MessageQueue.class).toInstance(queue));
    Pipeline pipeline = inject(messaging, agents, extra);
    pipeline.ownsQueue = false;
    return pipeline;
  }

  private static Pipeline inject(Module messaging, List<String> agents, Module... extra) {
    List<Module> all = new ArrayList<>();
    all.add(messaging);
    all.addAll(modules(agents));
    all.addAll(List.of(extra));
    try {
      return Guice.createInjector(all).getInstance(Pipeline.class);
    } catch (ProvisionException | CreationException e) {
      // Report the backend's own error (unreachable broker, bad setting), not Guice's wrapping.
      Throwable cause = e.getCause();
      while (cause != null && !(cause instanceof RuntimeException)) {
        cause = cause.getCause();
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  /**
   * A module replacing the default of an {@code OptionalBinder} binding (the runtime's {@link
   * io.agentmq.agents.runtime.Hop.Listener}, the {@code MeterRegistry}, an agent) with {@code
   * instance}.
   */
  public static <T> Module binding(Class<T> type, T instance) {
    return binder ->
        com.google.inject.multibindings.OptionalBinder.newOptionalBinder(binder, type)
            .setBinding()
            .toInstance(instance);
  }

  /** Subscribes every bound service; idempotent. */
  public synchronized Pipeline start() {
    if (runtime.services().isEmpty()) {
      services.stream()
          .sorted(java.util.Comparator.comparingInt(s -> order(s.name())))
          .forEach(runtime::start);
    }
    return this;
  }

  private static int order(String name) {
    int i = new ArrayList<>(AGENTS.keySet()).indexOf(name);
    return i < 0 ? AGENTS.size() : i;
  }

  public AgentRuntime runtime() {
    return runtime;
  }

  public MessageQueue queue() {
    return queue;
  }

  /** The orchestrator, when its module is installed. */
  public Optional<Orchestrator> orchestrator() {
    return orchestrator;
  }

  public Health health() {
    return runtime.health();
  }

  /**
   * Stops the services, letting in-flight work finish, then closes the queue if the pipeline opened
   * it. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    runtime.close();
    orchestrator.ifPresent(Orchestrator::close);
    if (ownsQueue) {
      queue.close();
    }
  }
}
