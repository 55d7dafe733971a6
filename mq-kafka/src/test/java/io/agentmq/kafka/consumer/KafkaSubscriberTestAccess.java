package io.agentmq.kafka.consumer;

import io.agentmq.api.Subscriber;

/** Reaches a Kafka consumer's package-private abort path from tests in other packages. */
public final class KafkaSubscriberTestAccess {
  private KafkaSubscriberTestAccess() {}

  /** Stops {@code consumer} as a crash would: no final commit, open transactions left to fence. */
  public static void abort(Subscriber consumer) {
    ((KafkaSubscriber) consumer).abort();
  }
}
