package io.agentmq.agents;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import io.agentmq.agents.runtime.AgentRuntime;
import io.agentmq.agents.runtime.AgentService;
import io.agentmq.agents.runtime.Hop;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.serialization.MessageCodec;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Binds the messaging runtime: the {@link MessageQueue} of the configured backend (found through
 * the provider SPI by {@code MQ_BROKER_TYPE}; no backend is named here), the codec, the metrics
 * registry (an in-memory one by default; the command line binds Prometheus; bind another {@link
 * MeterRegistry} with {@code OptionalBinder.setBinding()}), a {@link Hop.Listener} (none by
 * default) and the {@link AgentRuntime}. The queue is opened when first injected and closed by
 * {@link Pipeline#close()}.
 */
public final class MessagingModule extends AbstractModule {
  private final MqConfig config;
  private final AgentsConfig agents;

  /**
   * @throws io.agentmq.api.ConfigException for a bad {@code agents.*} setting, before anything
   *     connects
   */
  public MessagingModule(MqConfig config) {
    this.config = config;
    this.agents = AgentsConfig.of(config);
  }

  @Override
  protected void configure() {
    bind(MqConfig.class).toInstance(config);
    bind(AgentsConfig.class).toInstance(agents);
    bind(PipelineTopics.class).toInstance(agents.topics());
    Multibinder.newSetBinder(binder(), AgentService.class);
    OptionalBinder.newOptionalBinder(binder(), MeterRegistry.class)
        .setDefault()
        .toProvider(SimpleMeterRegistry::new)
        .in(Singleton.class);
    OptionalBinder.newOptionalBinder(binder(), Orchestrator.class);
    OptionalBinder.newOptionalBinder(binder(), Hop.Listener.class)
        .setDefault()
        .toInstance(Hop.Listener.NONE);
  }

  @Provides
  @Singleton
  MessageQueue messageQueue(MqConfig config) {
    return MessageQueue.create(config);
  }

  @Provides
  @Singleton
  MessageCodec codec() {
    return PipelineSchemas.codec();
  }

  @Provides
  @Singleton
  AgentRuntime runtime(
      MessageQueue queue, MessageCodec codec, MeterRegistry meters, Hop.Listener listener) {
    return AgentRuntime.builder(queue, codec)
        .meters(meters)
        .listener(listener)
        .payloadTrace(PipelineMetadata.INSTANCE)
        .build();
  }
}
