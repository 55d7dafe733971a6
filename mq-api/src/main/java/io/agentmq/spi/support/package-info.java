/**
 * Helpers for backend authors, not contracts: the shared handler-outcome rules ({@link
 * io.agentmq.spi.support.DeliveryEngine}), the skeleton of a queue ({@link
 * io.agentmq.spi.support.AbstractMessageQueue}) and of a producer ({@link
 * io.agentmq.spi.support.ProducerHandle}), send checks and health. A backend built on them is
 * mostly what is specific to its broker. Applications do not use this package.
 */
package io.agentmq.spi.support;
