package io.agentmq.spi.support;

import io.agentmq.spi.IdempotencyStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@link IdempotencyStore} of one process: ids recorded within the retention, oldest first,
 * forgotten when the process ends. Thread-safe.
 */
public final class MemoryIdempotencyStore implements IdempotencyStore {
  private final long retentionNanos;
  private final LinkedHashMap<Map.Entry<String, String>, Long> recorded = new LinkedHashMap<>();
  private final LinkedHashMap<Map.Entry<String, String>, Count> handlings = new LinkedHashMap<>();

  private record Count(int n, long since) {}

  public MemoryIdempotencyStore(Duration retention) {
    this.retentionNanos = retention.toNanos();
  }

  @Override
  public synchronized boolean contains(String scope, String id) {
    long now = System.nanoTime();
    var it = recorded.values().iterator();
    while (it.hasNext() && now - it.next() > retentionNanos) {
      it.remove();
    }
    return recorded.containsKey(Map.entry(scope, id));
  }

  @Override
  public synchronized void record(String scope, String id) {
    recorded.put(Map.entry(scope, id), System.nanoTime());
  }

  @Override
  public synchronized int countHandling(String scope, String id) {
    long now = System.nanoTime();
    var it = handlings.values().iterator();
    while (it.hasNext() && now - it.next().since() > retentionNanos) {
      it.remove();
    }
    Count count = handlings.get(Map.entry(scope, id));
    int n = count == null ? 1 : count.n() + 1;
    handlings.put(Map.entry(scope, id), new Count(n, count == null ? now : count.since()));
    return n;
  }

  @Override
  public boolean durable() {
    return false;
  }

  @Override
  public void close() {}
}
