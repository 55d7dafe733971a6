package io.agentmq.kafka;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.api.TopicSpec;
import io.agentmq.spi.support.ProducerHandle;
import io.agentmq.spi.support.SendChecks;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Sends through the queue's one {@link KafkaProducer} (thread-safe, batching across threads),
 * creating a topic the queue has not seen first. The future completes in Kafka's I/O thread with
 * partition and offset.
 */
final class KafkaSender implements ProducerHandle.Sender {
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaAdmin admin;
  private final int maxMessageBytes;

  KafkaSender(KafkaProducer<byte[], byte[]> producer, KafkaAdmin admin, int maxMessageBytes) {
    this.producer = producer;
    this.admin = admin;
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public CompletableFuture<DeliveryReport> send(String topic, Message message) {
    if (!admin.knows(topic)) { // a known topic's name was checked when it became known
      TopicSpec.requireValidName(topic);
    }
    SendChecks.checkMessage(topic, message, maxMessageBytes);
    return publish(topic, message);
  }

  /** Sends without the caller checks: dead letters, which keep the original's bytes. */
  CompletableFuture<DeliveryReport> publish(String topic, Message message) {
    CompletableFuture<DeliveryReport> result = new CompletableFuture<>();
    String id = message.knownId().orElse(null);
    try {
      admin.ensureTopic(topic);
      producer.send(
          KafkaCodec.toRecord(topic, message, id),
          (metadata, error) -> {
            if (error != null) {
              result.completeExceptionally(KafkaErrors.of(sending(id, topic), error));
            } else {
              result.complete(
                  id != null
                      ? new DeliveryReport(topic, id, metadata.partition(), metadata.offset())
                      : DeliveryReport.atPosition(topic, metadata.partition(), metadata.offset()));
            }
          });
    } catch (RuntimeException e) {
      result.completeExceptionally(KafkaErrors.of(sending(id, topic), e));
    }
    return result;
  }

  private static String sending(String id, String topic) {
    return (id == null ? "sending a message" : "sending message " + id) + " to '" + topic + "'";
  }

  @Override
  public void flush() {
    producer.flush();
  }
}
