package io.agentmq.tck.fault;

import io.agentmq.api.Delivery;
import io.agentmq.api.MessageHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A {@link RecordingHandler} that also keeps, for each of the {@link SteadySender}'s keys, the
 * highest index handled: whether every key, hence every partition or queue the keys spread over,
 * has moved past a point, e.g. the moment a node was lost.
 */
final class KeyProgress implements MessageHandler {
  private final RecordingHandler recording;
  private final AtomicLongArray highestPerKey = new AtomicLongArray(SteadySender.KEYS);

  KeyProgress(RecordingHandler recording) {
    this.recording = recording;
    for (int k = 0; k < SteadySender.KEYS; k++) {
      highestPerKey.set(k, -1);
    }
  }

  @Override
  public void handle(Delivery d) throws Exception {
    recording.handle(d);
    String key = d.message().key().orElseThrow();
    long seq = Long.parseLong(new String(d.message().payload(), StandardCharsets.UTF_8));
    long index = SteadySender.index(key, seq);
    highestPerKey.accumulateAndGet((int) (index % SteadySender.KEYS), index, Math::max);
  }

  /** Whether every key has had a message with this {@link SteadySender} index or later handled. */
  boolean everyKeyFrom(long index) {
    for (int k = 0; k < SteadySender.KEYS; k++) {
      if (highestPerKey.get(k) < index) {
        return false;
      }
    }
    return true;
  }

  /** Handler calls so far, redeliveries included. */
  long handled() {
    return recording.handled();
  }
}
