package io.agentmq.jdbc;

import io.agentmq.spi.IdempotencyStore;
import io.agentmq.spi.IdempotencyStoreProvider;
import java.time.Duration;

/** Opens a {@link JdbcIdempotencyStore} for a {@code jdbc:postgresql:} location. */
public final class JdbcIdempotencyStoreProvider implements IdempotencyStoreProvider {
  private static final String PREFIX = "jdbc:postgresql:";

  @Override
  public boolean accepts(String location) {
    return location.startsWith(PREFIX);
  }

  @Override
  public String describe() {
    return PREFIX + "//host:port/database (io.agentmq:mq-jdbc)";
  }

  @Override
  public IdempotencyStore open(String location, Duration retention) {
    return new JdbcIdempotencyStore(location, retention);
  }
}
