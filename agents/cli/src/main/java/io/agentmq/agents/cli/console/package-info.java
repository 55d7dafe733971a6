/**
 * The web console of {@code agentmq run --http-port} and {@code agentmq console}: server-rendered
 * HTML pages of topics, groups, consumers, rates and dead letters under {@code /console}, with
 * replay and purge through the dead-letter operations.
 */
package io.agentmq.agents.cli.console;
