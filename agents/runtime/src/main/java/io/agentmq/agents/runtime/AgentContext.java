package io.agentmq.agents.runtime;

import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Headers;
import io.agentmq.serialization.MessageCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a handler knows about the message in hand and how it sends its outputs. Outputs go through
 * the delivery's producer, so under exactly-once they are published with the acknowledgement. Not
 * thread-safe: use it on the handler's thread.
 */
public final class AgentContext {
  private final String service;
  private final Delivery delivery;
  private final TraceContext trace;
  private final String correlationId;
  private final MessageCodec codec;
  private final List<CompletableFuture<DeliveryReport>> sends = new ArrayList<>(4);
  private final List<String> outputs = new ArrayList<>(4);
  // The last payload emitted and its encoding: the same payload to a second topic is not encoded
  // again.
  private com.google.protobuf.Message lastPayload;
  private io.agentmq.api.Message lastEncoded;

  AgentContext(
      String service,
      Delivery delivery,
      TraceContext trace,
      String correlationId,
      MessageCodec codec) {
    this.service = service;
    this.delivery = delivery;
    this.trace = trace;
    this.correlationId = correlationId;
    this.codec = codec;
  }

  /** The name of the service handling the message. */
  public String service() {
    return service;
  }

  /** The message as delivered: headers, key, topic, attempt. */
  public Delivery delivery() {
    return delivery;
  }

  /** This hop's span; outputs continue it. */
  public TraceContext trace() {
    return trace;
  }

  /** The request the message belongs to ({@code mq-correlation-id}). */
  public String correlationId() {
    return correlationId;
  }

  /**
   * Sends an output with this request's correlation id and this hop's {@code traceparent}. The send
   * is asynchronous; the runtime waits for every output to be stored before it acknowledges the
   * input, and a failed send fails the handler (the input is retried).
   *
   * <p>The same payload instance emitted to several topics is encoded once; each message has an id
   * of its own.
   *
   * @param key messages with the same key are handled in order; null for none
   */
  public void emit(String topic, String key, com.google.protobuf.Message payload) {
    io.agentmq.api.Message message;
    if (payload == lastPayload) {
      message =
          io.agentmq.api.Message.builder(lastEncoded.payload())
              .key(key)
              .headers(lastEncoded.headers())
              .build();
    } else {
      message =
          codec
              .encoder(payload)
              .key(key)
              .header(Headers.CORRELATION_ID, correlationId)
              .header(Headers.TRACEPARENT, trace.traceparent())
              .build();
      lastPayload = payload;
      lastEncoded = message;
    }
    sends.add(delivery.producer().send(topic, message));
    outputs.add(topic);
  }

  List<CompletableFuture<DeliveryReport>> sends() {
    return sends;
  }

  List<String> outputs() {
    return List.copyOf(outputs);
  }
}
