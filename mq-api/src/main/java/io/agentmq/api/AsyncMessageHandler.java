package io.agentmq.api;

import java.util.concurrent.CompletionStage;

/**
 * Handles one delivery asynchronously.
 *
 * <p>Called on a consumer thread; must not block. The message is acknowledged when the returned
 * stage completes normally. A stage completing exceptionally, a {@code null} stage, or an exception
 * thrown by this method are failures, treated exactly like a {@link MessageHandler} that threw. The
 * next message of the same partition is delivered only after the stage completes, so per-key order
 * holds, unless the subscription allows more with {@link Subscription.Builder#maxInFlight(int)}.
 */
@FunctionalInterface
public interface AsyncMessageHandler {
  CompletionStage<?> handle(Delivery delivery);
}
