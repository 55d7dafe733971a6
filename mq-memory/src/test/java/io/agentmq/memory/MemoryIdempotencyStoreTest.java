package io.agentmq.memory;

import io.agentmq.spi.IdempotencyStore;
import io.agentmq.spi.support.MemoryIdempotencyStore;
import io.agentmq.tck.IdempotencyStoreContract;
import java.time.Duration;

/** The in-process idempotency store against the store contract. */
class MemoryIdempotencyStoreTest extends IdempotencyStoreContract {
  @Override
  protected IdempotencyStore open(Duration retention) {
    return new MemoryIdempotencyStore(retention);
  }

  @Override
  protected boolean durable() {
    return false;
  }
}
