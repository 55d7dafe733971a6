package io.agentmq.memory;

import io.agentmq.api.Subscriber;
import io.agentmq.api.deadletter.DeadLetters;
import io.agentmq.spi.ConsumerSettings;
import io.agentmq.spi.support.AbstractMessageQueue;
import io.agentmq.spi.support.DeadLetterOperations;
import io.agentmq.spi.support.ProducerHandle;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** A {@link io.agentmq.api.MessageQueue} over its own {@link MemoryBroker}. */
final class MemoryMessageQueue extends AbstractMessageQueue {
  private final MemoryConfig config;
  private final MemoryBroker broker;
  private final MemoryAdmin admin;
  private final MemorySender sender;
  private final ProducerHandle handlerProducer;
  private final DeadLetters deadLetters;

  MemoryMessageQueue(MemoryConfig config) {
    super(MemoryProvider.NAME, config.common);
    this.config = config;
    this.broker = new MemoryBroker(config);
    this.admin =
        new MemoryAdmin(
            broker,
            () -> subscribers().stream().map(Subscriber::group).collect(Collectors.toSet()));
    this.sender = new MemorySender(broker, config);
    this.handlerProducer = ProducerHandle.borrowed(observed(sender));
    this.deadLetters = new DeadLetterOperations(new MemoryDeadLetters(broker));
    config.common.topics().values().forEach(broker::createTopic);
  }

  @Override
  protected ProducerHandle.Sender sender() {
    return sender;
  }

  @Override
  protected Subscriber openSubscriber(ConsumerSettings settings, Consumer<Subscriber> onClose) {
    return new MemorySubscriber(settings, broker, handlerProducer, onClose);
  }

  @Override
  public MemoryAdmin admin() {
    ensureOpen();
    return admin;
  }

  @Override
  public DeadLetters deadLetters() {
    ensureOpen();
    return deadLetters;
  }

  @Override
  protected boolean checkBroker(Map<String, Object> details) {
    details.put("topics", broker.topicNames().size());
    return true;
  }

  @Override
  protected void closeBackend() {
    // Nothing beyond the subscribers: the broker is plain memory.
  }
}
