/**
 * What a backend implements: a {@link io.agentmq.spi.MessageQueueProvider} found through {@link
 * java.util.ServiceLoader}, and a {@link io.agentmq.spi.Settlement} for each delivery the shared
 * {@link io.agentmq.spi.support.DeliveryEngine} settles. Contracts only; the building blocks are in
 * {@link io.agentmq.spi.support}. Applications do not use this package.
 */
package io.agentmq.spi;
