/**
 * The contract every backend passes: {@link io.agentmq.tck.MessageQueueConformanceSuite}, extended
 * once per backend with the {@link io.agentmq.tck.Capabilities} it declares, and the reusable
 * {@link io.agentmq.tck.BrokerRestartScenario}.
 */
package io.agentmq.tck;
