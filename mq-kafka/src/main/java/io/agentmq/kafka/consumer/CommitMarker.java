package io.agentmq.kafka.consumer;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * What the metadata of a group's committed offset says about how the partition's owner stopped:
 * cleanly ({@code ""}), while still running ({@code running}: it may have died), or handling the
 * record at an offset for the n-th time ({@code attempt=<offset>:<n>}). Metadata written by
 * anything else reads as clean, so a group shared with other clients is never held in recovery by
 * them.
 */
sealed interface CommitMarker {
  CommitMarker CLEAN = new Clean();
  CommitMarker RUNNING = new Running();

  /** The owner closed or gave the partition up, and committed what it had finished. */
  record Clean() implements CommitMarker {
    @Override
    public String metadata() {
      return "";
    }
  }

  /** The owner was running: if it is gone, it died, possibly in the middle of a handler. */
  record Running() implements CommitMarker {
    @Override
    public String metadata() {
      return "running";
    }
  }

  /** The owner handed out the record at {@code offset} for the {@code attempt}-th time. */
  record Attempt(long offset, int attempt) implements CommitMarker {
    @Override
    public String metadata() {
      return "attempt=" + offset + ":" + attempt;
    }
  }

  /** The marker in {@code metadata} (null, empty and unknown metadata are clean). */
  static CommitMarker parse(String metadata) {
    if (metadata == null || metadata.isEmpty()) {
      return CLEAN;
    }
    if (metadata.equals("running")) {
      return RUNNING;
    }
    int colon = metadata.indexOf(':');
    if (metadata.startsWith("attempt=") && colon > 0) {
      try {
        long offset = Long.parseLong(metadata.substring("attempt=".length(), colon));
        int attempt = Integer.parseInt(metadata.substring(colon + 1));
        if (offset >= 0 && attempt >= 1) {
          return new Attempt(offset, attempt);
        }
      } catch (NumberFormatException e) {
        // not ours: clean
      }
    }
    return CLEAN;
  }

  /** The marker of a committed offset; no commit at all is clean (nothing was handed out). */
  static CommitMarker of(OffsetAndMetadata committed) {
    return committed == null ? CLEAN : parse(committed.metadata());
  }

  /** The committed offset's metadata that says this. */
  String metadata();

  /** Whether the owner stopped cleanly, so nothing it handed out can have killed it. */
  default boolean clean() {
    return this instanceof Clean;
  }

  /** A commit of {@code offset} carrying this marker. */
  default OffsetAndMetadata at(long offset) {
    return new OffsetAndMetadata(offset, metadata());
  }
}
