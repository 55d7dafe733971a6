package io.agentmq.api.deadletter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Operations on a topic's dead letters ({@code <topic>.deadletter}), the same on every backend.
 * Every method takes the original topic's name or the dead-letter topic's, is synchronous, and
 * throws {@link io.agentmq.api.MessagingException} when the broker fails it.
 *
 * <p>Where the dead letters are read from: Kafka and memory — the records after the position of the
 * operations group {@value #OPERATIONS_GROUP} (earliest when it has none), up to the end at the
 * start of the call; RabbitMQ — the queue {@code <topic>.deadletter.kept} (other groups subscribed
 * to the dead-letter topic hold their own copies, which these operations do not touch).
 *
 * <p>Thread-safe, but two changing operations on one dead-letter topic at the same time are not
 * meant to run: on Kafka the later one fences the earlier (it fails and can be run again).
 */
public interface DeadLetters {

  /** Group whose position marks where the dead letters still kept start (Kafka and memory). */
  String OPERATIONS_GROUP = "agentmq-dlq";

  /** Counts the dead letters the topic holds now. Changes nothing. */
  DeadLetterStats stats(String topic);

  /**
   * Hands the matching dead letters to {@code each}, oldest first (per partition), on the calling
   * thread. Changes nothing (RabbitMQ: reads them unacknowledged and returns them to their places).
   *
   * @return how many were handed over
   */
  long browse(String topic, DeadLetterFilter filter, Consumer<DeadLetter> each);

  /** {@link #browse(String, DeadLetterFilter, Consumer)} into a list. */
  default List<DeadLetter> browse(String topic, DeadLetterFilter filter) {
    List<DeadLetter> all = new ArrayList<>();
    browse(topic, filter, all::add);
    return all;
  }

  /**
   * Sends matching dead letters back to {@code mq-dlq-original-topic}, oldest first, with the
   * original id, key, headers and bytes and {@code mq-replay-count} one higher, and removes them
   * from the dead-letter topic. One already replayed {@link ReplayOptions#maxReplays()} times is
   * parked: left in the dead-letter topic and counted. Stops after the filter's limit.
   *
   * <p>Resumable: an interrupted run, run again, neither loses nor repeats a message on Kafka
   * (sends and progress commit in one transaction) and memory; on RabbitMQ a crash between the
   * broker's confirm of a replay and the acknowledgement of its dead letter replays that one
   * message again, with the same message id, which exactly-once consumers drop.
   *
   * @throws io.agentmq.api.MessagingException when a send fails; what was committed stays done and
   *     running it again continues
   */
  DeadLetterSummary replay(String topic, DeadLetterFilter filter, ReplayOptions options);

  /**
   * Removes matching dead letters, oldest first, up to the filter's limit. RabbitMQ acknowledges
   * them in the kept queue; the others return to their places. Kafka records cannot be deleted one
   * by one: purge moves the operations group's position past them (the broker's retention deletes
   * them later), and in a partition where it removed one, every dead letter it keeps is appended
   * again at the end, unchanged and in order, in the same transaction (so does replay). Memory
   * works as Kafka does.
   */
  DeadLetterSummary purge(String topic, DeadLetterFilter filter, PurgeOptions options);
}
