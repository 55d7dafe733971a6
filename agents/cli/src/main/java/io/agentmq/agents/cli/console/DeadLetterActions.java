package io.agentmq.agents.cli.console;

import io.agentmq.api.deadletter.DeadLetterFilter;
import io.agentmq.api.deadletter.DeadLetterSummary;
import io.agentmq.api.deadletter.DeadLetters;
import io.agentmq.api.deadletter.PurgeOptions;
import io.agentmq.api.deadletter.ReplayOptions;
import java.util.Locale;
import java.util.Set;

/** Runs the console's replay and purge through the dead-letter operations, dry or for real. */
final class DeadLetterActions {
  /** The two operations the console offers. */
  enum Operation {
    REPLAY,
    PURGE;

    /** The operation named in a URL path: {@code replay} or {@code purge}. */
    static Operation of(String name) {
      return switch (name) {
        case "replay" -> REPLAY;
        case "purge" -> PURGE;
        default ->
            throw new IllegalArgumentException(
                "unknown dead-letter operation '" + name + "'; accepted: replay, purge");
      };
    }

    String pathName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final DeadLetters deadLetters;

  DeadLetterActions(DeadLetters deadLetters) {
    this.deadLetters = deadLetters;
  }

  /** What {@code operation} would do to {@code target}, changing nothing. */
  DeadLetterSummary dryRun(Operation operation, Forms.Target target) {
    return run(operation, target, true);
  }

  /** Does {@code operation} to {@code target}; blocks until the dead-letter operation returns. */
  DeadLetterSummary run(Operation operation, Forms.Target target) {
    return run(operation, target, false);
  }

  private DeadLetterSummary run(Operation operation, Forms.Target target, boolean dry) {
    DeadLetterFilter filter = filter(target);
    return operation == Operation.REPLAY
        ? deadLetters.replay(target.topic(), filter, ReplayOptions.defaults().withDryRun(dry))
        : deadLetters.purge(target.topic(), filter, PurgeOptions.defaults().withDryRun(dry));
  }

  static DeadLetterFilter filter(Forms.Target target) {
    DeadLetterFilter filter = DeadLetterFilter.ALL;
    if (target.reason().isPresent()) {
      filter = filter.withReasonContaining(target.reason().get());
    }
    if (target.id().isPresent()) {
      filter = filter.withIds(Set.of(target.id().get()));
    }
    return filter;
  }
}
