package io.agentmq.serialization;

import com.google.protobuf.Message;
import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Producer;
import java.util.concurrent.CompletableFuture;

/**
 * Sends protobuf messages, encoded by a {@link MessageCodec} (which sets {@code mq-type} and {@code
 * mq-content-type}). Thread-safe; closing the underlying producer is its owner's business.
 */
public final class TypedProducer {
  private final Producer producer;
  private final MessageCodec codec;

  TypedProducer(Producer producer, MessageCodec codec) {
    this.producer = producer;
    this.codec = codec;
  }

  /** Sends without a key; see {@link Producer#send}. */
  public CompletableFuture<DeliveryReport> send(String topic, Message message) {
    return producer.send(topic, codec.encode(message));
  }

  /** Sends with a key: messages with the same key are handled in order. */
  public CompletableFuture<DeliveryReport> send(String topic, String key, Message message) {
    return producer.send(topic, codec.encoder(message).key(key).build());
  }

  /** Sends and waits for the broker's report; see {@link Producer#sendAndWait}. */
  public DeliveryReport sendAndWait(String topic, String key, Message message) {
    return producer.sendAndWait(topic, codec.encoder(message).key(key).build());
  }
}
