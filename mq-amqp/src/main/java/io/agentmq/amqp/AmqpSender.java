package io.agentmq.amqp;

import io.agentmq.api.DeliveryReport;
import io.agentmq.api.Message;
import io.agentmq.spi.support.ProducerHandle;
import io.agentmq.spi.support.SendChecks;
import java.util.concurrent.CompletableFuture;

/** Sends through the queue's confirming publisher. Thread-safe. */
final class AmqpSender implements ProducerHandle.Sender {
  private final AmqpPublisher publisher;
  private final int maxMessageBytes;

  AmqpSender(AmqpPublisher publisher, int maxMessageBytes) {
    this.publisher = publisher;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** The report has no partition or offset (-1): RabbitMQ has none. */
  @Override
  public CompletableFuture<DeliveryReport> send(String topic, Message message) {
    SendChecks.check(topic, message, maxMessageBytes);
    return publisher.publish(topic, message);
  }

  @Override
  public void flush() {
    publisher.flush();
  }
}
