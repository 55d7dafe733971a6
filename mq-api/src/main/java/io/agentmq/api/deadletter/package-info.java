/**
 * Operations on dead letters: counting them ({@link io.agentmq.api.deadletter.DeadLetters#stats}),
 * reading them ({@link io.agentmq.api.deadletter.DeadLetters#browse}), sending them back to the
 * topic they failed on ({@link io.agentmq.api.deadletter.DeadLetters#replay}) and discarding them
 * ({@link io.agentmq.api.deadletter.DeadLetters#purge}), the same on every backend. Reach them
 * through {@link io.agentmq.api.MessageQueue#deadLetters()}.
 */
package io.agentmq.api.deadletter;
