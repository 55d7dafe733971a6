/**
 * The agent pipeline, an application of AgentMQ: the Orchestrator, Request Planner, Code Planner
 * and Coding Agent as {@link io.agentmq.agents.runtime.AgentService}s, wired by Guice ({@link
 * io.agentmq.agents.Pipeline}, one module per agent, reference implementations as {@code
 * OptionalBinder} defaults), with its own settings ({@link io.agentmq.agents.AgentsConfig}, {@code
 * agents.*}), topics ({@link io.agentmq.agents.PipelineTopics}) and schemas ({@link
 * io.agentmq.agents.PipelineSchemas}).
 */
package io.agentmq.agents;
