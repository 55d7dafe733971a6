package io.agentmq.api.deadletter;

import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import java.time.Instant;
import java.util.Optional;

/**
 * One message of a dead-letter topic, as stored: the original key, headers and bytes plus the
 * {@code mq-dlq-*} headers that say why and where it failed.
 *
 * @param message the dead letter as stored (its id is the original message's id)
 * @param deadLetterTopic the dead-letter topic it is in, {@code <topic>.deadletter}
 * @param partition its partition in the dead-letter topic, or {@code -1} where the broker has none
 * @param offset its offset in the dead-letter topic, or {@code -1} where the broker has none
 */
public record DeadLetter(Message message, String deadLetterTopic, int partition, long offset) {

  public String id() {
    return message.id();
  }

  /** {@value Headers#DLQ_ORIGINAL_TOPIC}: where a replay sends it; empty if not recorded. */
  public Optional<String> originalTopic() {
    return message.header(Headers.DLQ_ORIGINAL_TOPIC).filter(t -> !t.isBlank());
  }

  /** {@value Headers#DLQ_REASON}, or empty. */
  public Optional<String> reason() {
    return message.header(Headers.DLQ_REASON);
  }

  /** {@value Headers#DLQ_EXCEPTION}, or empty. */
  public Optional<String> exception() {
    return message.header(Headers.DLQ_EXCEPTION);
  }

  /** {@value Headers#DLQ_FAILED_AT} as an instant; empty if missing or not a number. */
  public Optional<Instant> failedAt() {
    return message
        .header(Headers.DLQ_FAILED_AT)
        .flatMap(
            v -> {
              try {
                return Optional.of(Instant.ofEpochMilli(Long.parseLong(v.trim())));
              } catch (NumberFormatException e) {
                return Optional.empty();
              }
            });
  }

  /** How many times it was replayed before it failed this time ({@value Headers#REPLAY_COUNT}). */
  public int replayCount() {
    try {
      return Math.max(0, Integer.parseInt(message.header(Headers.REPLAY_COUNT).orElse("0").trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Whether a replay can send it back: it names its original topic and still holds its payload (not
   * one cut to its headers for being too large, {@value Headers#DLQ_PAYLOAD_DROPPED}).
   */
  public boolean replayable() {
    return originalTopic().isPresent() && message.header(Headers.DLQ_PAYLOAD_DROPPED).isEmpty();
  }

  /**
   * The message a replay publishes: the original id, key, headers and bytes, without the {@code
   * mq-dlq-*} headers and the delivery attempt, with {@value Headers#REPLAY_COUNT} one higher. Its
   * publish time is now, so the broker's time-based retention counts from the replay.
   */
  public Message toReplay() {
    Message.Builder replay = Message.builder(message.payload()).id(message.id());
    message.key().ifPresent(replay::key);
    message
        .headers()
        .forEach(
            (name, value) -> {
              if (!name.startsWith(Headers.DLQ_PREFIX)
                  && !name.equals(Headers.ATTEMPT)
                  && !name.equals(Headers.REPLAY_COUNT)) {
                replay.header(name, value);
              }
            });
    return replay
        .header(Headers.REPLAY_COUNT, Integer.toString(replayCount() + 1))
        .timestamp(Instant.now())
        .build();
  }
}
