/**
 * The reference coding agent, {@link io.agentmq.agents.coding.GitCodingAgent}, one class per step
 * of a task: {@link io.agentmq.agents.coding.WorkingCopies} finds the repository among those
 * allowed and locks it (across processes with {@link io.agentmq.agents.coding.CrossProcessLock}),
 * {@link io.agentmq.agents.coding.StaleGitLocks} and {@link io.agentmq.agents.coding.TaskJournal}
 * undo what a killed agent process left, {@link io.agentmq.agents.coding.TaskCommitIndex} finds a
 * task's earlier commit, {@link io.agentmq.agents.coding.BranchCheckout} switches branch, {@link
 * io.agentmq.agents.coding.DeltaApplier} writes the deltas (checked by git's path rules in {@link
 * io.agentmq.agents.coding.SafePaths}, reached without following links by {@link
 * io.agentmq.agents.coding.WorkTree}, each file replaced in one step by {@link
 * io.agentmq.agents.coding.AtomicFiles}) and undoes them on failure, {@link
 * io.agentmq.agents.coding.GitCommitter} commits as the {@link
 * io.agentmq.agents.coding.CommitAuthor}, {@link io.agentmq.agents.coding.BuildRunner} runs the
 * build (in a {@link io.agentmq.agents.coding.BuildEnvironment}, its output in a {@link
 * io.agentmq.agents.coding.BuildLog}, secrets masked by {@link
 * io.agentmq.agents.coding.SecretValues}), and {@link io.agentmq.agents.coding.CodingResults} makes
 * the outcome. To change the build step, read {@code BuildRunner} alone: it knows nothing of git.
 * Only {@code GitCodingAgent} is public; to replace it, bind another {@link
 * io.agentmq.agents.CodingAgent}.
 */
package io.agentmq.agents.coding;
