package io.agentmq.api.deadletter;

/**
 * What a replay or purge did (or, on a dry run, would do).
 *
 * @param operation which operation ran
 * @param examined dead letters read
 * @param replayed sent back to their original topic and removed from the dead-letter topic
 * @param purged removed from the dead-letter topic
 * @param parked left in the dead-letter topic because they were replayed {@code maxReplays} times
 * @param unreplayable left in place because they name no original topic or lost their payload
 * @param skipped left in place because the filter did not take them
 * @param dryRun whether nothing was changed
 */
public record DeadLetterSummary(
    Operation operation,
    long examined,
    long replayed,
    long purged,
    long parked,
    long unreplayable,
    long skipped,
    boolean dryRun) {

  /** The operations that change a dead-letter topic. */
  public enum Operation {
    REPLAY,
    PURGE
  }

  /**
   * One line for people, e.g. {@code replayed 10, parked 2, skipped 5 of 17 examined}, or {@code
   * dry run: would have purged 3, skipped 0 of 3 examined}.
   */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(dryRun ? "dry run: would have " : "");
    s.append(operation == Operation.PURGE ? "purged " + purged : "replayed " + replayed);
    if (parked > 0) {
      s.append(", parked ").append(parked);
    }
    if (unreplayable > 0) {
      s.append(", left ").append(unreplayable).append(" unreplayable");
    }
    s.append(", skipped ").append(skipped).append(" of ").append(examined).append(" examined");
    return s.toString();
  }
}
