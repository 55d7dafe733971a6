package io.agentmq.tck.fault;

import io.agentmq.api.Delivery;
import io.agentmq.api.MessageHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The handler of an in-process consumer in a fault scenario: records each message in the ledger
 * before it returns (so before the message is acknowledged), as {@link LedgerConsumer} does in a
 * process of its own, and keeps the highest {@link SteadySender} index handled, so a scenario can
 * wait for a message sent after a fault.
 */
final class RecordingHandler implements MessageHandler {
  private final Path file;
  private final AtomicLong highestIndex = new AtomicLong(-1);
  private final AtomicLong handled = new AtomicLong();

  RecordingHandler(Ledger ledger, int consumer) {
    this.file = ledger.consumedFile(consumer);
  }

  @Override
  public void handle(Delivery d) {
    String key = d.message().key().orElse("-");
    String seq = new String(d.message().payload(), StandardCharsets.UTF_8);
    Ledger.append(file, Ledger.consumedLine(d.id(), key, seq));
    highestIndex.accumulateAndGet(SteadySender.index(key, Long.parseLong(seq)), Math::max);
    handled.incrementAndGet();
  }

  /** Whether a message with this {@link SteadySender} index or a later one has been handled. */
  boolean handledFrom(long index) {
    return highestIndex.get() >= index;
  }

  /** Handler calls so far, redeliveries included. */
  long handled() {
    return handled.get();
  }
}
