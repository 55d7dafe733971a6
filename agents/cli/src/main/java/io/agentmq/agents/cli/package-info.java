/**
 * The {@code agentmq} command line (picocli): {@code run}, {@code demo}, {@code submit}, {@code
 * send}, {@code tail}, {@code topics}, {@code health}, and the HTTP endpoint of {@code run}.
 */
package io.agentmq.agents.cli;
