package io.agentmq.kafka.consumer;

import io.agentmq.api.Delivery;
import io.agentmq.api.DeliveryMode;
import io.agentmq.api.Outcome;
import io.agentmq.spi.ConsumerSettings;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a partition does with a delivery the engine gave no outcome for (its handler ended with a
 * {@link VirtualMachineError}, or the engine itself failed): never commit past it, read it again,
 * and after a VirtualMachineError count the attempt, make it durable and turn the subscriber DOWN.
 */
final class NoOutcome {
  private static final Logger log = LoggerFactory.getLogger(NoOutcome.class);

  private final PartitionWorker worker;
  private final ConsumerSettings settings;
  private final RunState state;
  private final RetryAttempts attempts;

  NoOutcome(
      PartitionWorker worker, ConsumerSettings settings, RunState state, RetryAttempts attempts) {
    this.worker = worker;
    this.settings = settings;
    this.state = state;
    this.attempts = attempts;
  }

  /**
   * The engine gave no outcome: the handler ended with a VirtualMachineError, which the engine
   * rethrows, or the engine itself failed. Never commit past the delivery; read it again.
   */
  Outcome settle(Delivery delivery, Throwable failure) {
    if (failure instanceof CompletionException && failure.getCause() != null) {
      failure = failure.getCause();
    }
    boolean vmError = failure instanceof VirtualMachineError;
    if (vmError) {
      state.handlerError(failure);
    }
    if (settings.deliveryMode() == DeliveryMode.AT_MOST_ONCE) {
      log.error(
          "Delivery of {} offset {} (group {}) ended without an outcome under at_most_once"
              + " delivery, which committed it first: the message is discarded",
          worker.partition(),
          delivery.offset(),
          settings.group(),
          failure);
      return Outcome.DISCARDED;
    }
    if (!vmError) {
      log.error(
          "Delivery of {} offset {} (group {}) ended without an outcome; reading it again",
          worker.partition(),
          delivery.offset(),
          settings.group(),
          failure);
      worker.requestSeek(delivery.offset(), 0);
      return Outcome.REDELIVERY_SCHEDULED;
    }
    Duration delay = settings.retryPolicy().delayAfter(delivery.attempt());
    log.error(
        "The handler of {} offset {} (group {}) ended with {} on attempt {}; not handled, reading"
            + " it again in {} ms",
        worker.partition(),
        delivery.offset(),
        settings.group(),
        failure.toString(),
        delivery.attempt(),
        delay.toMillis());
    attempts.failed(delivery.offset(), delivery.attempt(), worker.progress().done());
    if (settings.deliveryMode() == DeliveryMode.AT_LEAST_ONCE) {
      worker.recordNextAttempt(delivery.offset()); // if the error kills the process, count it
    }
    worker.requestSeek(delivery.offset(), delay.toNanos());
    return Outcome.REDELIVERY_SCHEDULED;
  }
}
