package io.agentmq.memory;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.spi.MessageQueueProvider;

/** The {@code memory} backend: an in-process broker, one per {@link MessageQueue}. */
public final class MemoryProvider implements MessageQueueProvider {
  public static final String NAME = "memory";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public MessageQueue create(MqConfig config) {
    return new MemoryMessageQueue(new MemoryConfig(config));
  }
}
