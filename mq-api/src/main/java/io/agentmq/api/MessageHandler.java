package io.agentmq.api;

/**
 * Handles one delivery synchronously, on a consumer thread.
 *
 * <p>Returning normally acknowledges the message. Throwing retries it per the {@link RetryPolicy}
 * and then dead-letters it; a {@link NonRetryableException} dead-letters it at once. Deliveries of
 * one key (and one partition) are never handled concurrently; different partitions may be, up to
 * the subscription's concurrency, so a handler shared across partitions must be thread-safe.
 */
@FunctionalInterface
public interface MessageHandler {
  void handle(Delivery delivery) throws Exception;
}
