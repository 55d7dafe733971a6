package io.agentmq.api.deadletter;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which dead letters an operation takes: all conditions given must hold. Immutable; build one from
 * {@link #ALL} with the {@code with*} methods.
 *
 * @param reasonContains a substring of {@code mq-dlq-reason} (case-insensitive), or empty for any
 * @param ids message ids, or empty for any
 * @param failedFrom failed at or after this instant ({@code mq-dlq-failed-at}), or empty
 * @param failedBefore failed before this instant, or empty
 * @param limit at most this many matching dead letters, oldest first ({@link Long#MAX_VALUE}: all)
 */
public record DeadLetterFilter(
    Optional<String> reasonContains,
    Set<String> ids,
    Optional<Instant> failedFrom,
    Optional<Instant> failedBefore,
    long limit) {

  /** Every dead letter. */
  public static final DeadLetterFilter ALL =
      new DeadLetterFilter(
          Optional.empty(), Set.of(), Optional.empty(), Optional.empty(), Long.MAX_VALUE);

  public DeadLetterFilter {
    Objects.requireNonNull(reasonContains, "reasonContains");
    Objects.requireNonNull(failedFrom, "failedFrom");
    Objects.requireNonNull(failedBefore, "failedBefore");
    ids = Set.copyOf(ids);
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be 0 or more, was " + limit);
    }
    if (failedFrom.isPresent()
        && failedBefore.isPresent()
        && !failedFrom.get().isBefore(failedBefore.get())) {
      throw new IllegalArgumentException(
          "the time range is empty: failedFrom "
              + failedFrom.get()
              + " is not before failedBefore "
              + failedBefore.get());
    }
  }

  public DeadLetterFilter withReasonContaining(String text) {
    return new DeadLetterFilter(Optional.of(text), ids, failedFrom, failedBefore, limit);
  }

  public DeadLetterFilter withIds(Set<String> messageIds) {
    return new DeadLetterFilter(reasonContains, messageIds, failedFrom, failedBefore, limit);
  }

  public DeadLetterFilter withFailedFrom(Instant from) {
    return new DeadLetterFilter(reasonContains, ids, Optional.of(from), failedBefore, limit);
  }

  public DeadLetterFilter withFailedBefore(Instant before) {
    return new DeadLetterFilter(reasonContains, ids, failedFrom, Optional.of(before), limit);
  }

  public DeadLetterFilter withLimit(long max) {
    return new DeadLetterFilter(reasonContains, ids, failedFrom, failedBefore, max);
  }

  /**
   * Whether the dead letter meets every condition but the limit. One without {@code
   * mq-dlq-failed-at} matches no time range.
   */
  public boolean matches(DeadLetter deadLetter) {
    if (!ids.isEmpty() && !ids.contains(deadLetter.id())) {
      return false;
    }
    if (reasonContains.isPresent()) {
      String wanted = reasonContains.get().toLowerCase(java.util.Locale.ROOT);
      if (!deadLetter.reason().orElse("").toLowerCase(java.util.Locale.ROOT).contains(wanted)) {
        return false;
      }
    }
    if (failedFrom.isPresent() || failedBefore.isPresent()) {
      Optional<Instant> at = deadLetter.failedAt();
      if (at.isEmpty()) {
        return false;
      }
      if (failedFrom.isPresent() && at.get().isBefore(failedFrom.get())) {
        return false;
      }
      if (failedBefore.isPresent() && !at.get().isBefore(failedBefore.get())) {
        return false;
      }
    }
    return true;
  }
}
