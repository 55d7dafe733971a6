package io.agentmq.serialization;

import com.google.protobuf.Message;
import io.agentmq.api.Delivery;
import io.agentmq.api.MessageHandler;
import io.agentmq.api.NonRetryableException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link MessageHandler} for a topic that carries several types: each delivery is decoded and
 * passed to the handler registered for its type. A type without a handler is dead-lettered, and so
 * is a message that names no type when several are handled (with one, it is decoded as that one).
 */
public final class Dispatcher implements MessageHandler {
  private final MessageCodec codec;
  private final Map<Class<?>, TypedHandler<Message>> handlers;

  private Dispatcher(MessageCodec codec, Map<Class<?>, TypedHandler<Message>> handlers) {
    this.codec = codec;
    this.handlers = Map.copyOf(handlers);
  }

  @Override
  public void handle(Delivery delivery) throws Exception {
    Message message = codec.decodeExpecting(delivery.message(), Message.class, handlers.keySet());
    TypedHandler<Message> handler = handlers.get(message.getClass());
    if (handler == null) {
      throw new NonRetryableException(
          "no handler for "
              + message.getDescriptorForType().getFullName()
              + " here; handled types: "
              + handlers.keySet().stream().map(Class::getSimpleName).sorted().toList());
    }
    handler.handle(message, delivery);
  }

  /** Collects the handler of each type; not thread-safe. */
  public static final class Builder {
    private final MessageCodec codec;
    private final Map<Class<?>, TypedHandler<Message>> handlers = new LinkedHashMap<>();

    Builder(MessageCodec codec) {
      this.codec = codec;
    }

    @SuppressWarnings("unchecked")
    public <T extends Message> Builder on(Class<T> type, TypedHandler<? super T> handler) {
      handlers.put(type, (TypedHandler<Message>) (TypedHandler<?>) handler);
      return this;
    }

    public Dispatcher build() {
      if (handlers.isEmpty()) {
        throw new IllegalStateException("a dispatcher needs at least one handler: call on(..)");
      }
      return new Dispatcher(codec, handlers);
    }
  }
}
