package io.agentmq.agents.coding;

import org.eclipse.jgit.lib.PersonIdent;

/**
 * The author and committer of the agent's commits, read once from {@code agents.coding.author}.
 *
 * @param name the name before {@code <}
 * @param email the address between {@code <} and {@code >}
 */
record CommitAuthor(String name, String email) {
  /**
   * Parses {@code Name <email>}; {@link io.agentmq.agents.AgentsConfig#of} has already checked the
   * form, so this does not check it again.
   */
  static CommitAuthor parse(String author) {
    int open = author.indexOf('<');
    return new CommitAuthor(
        author.substring(0, open).strip(), author.substring(open + 1, author.indexOf('>')));
  }

  /** The identity JGit writes; it carries the time it was made. */
  PersonIdent ident() {
    return new PersonIdent(name, email);
  }
}
