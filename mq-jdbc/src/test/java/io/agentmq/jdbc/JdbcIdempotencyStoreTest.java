package io.agentmq.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmq.api.ConfigException;
import io.agentmq.api.MessagingException;
import io.agentmq.spi.IdempotencyStore;
import io.agentmq.spi.IdempotencyStores;
import io.agentmq.tck.IdempotencyStoreContract;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The PostgreSQL idempotency store against the store contract, on a real database. */
class JdbcIdempotencyStoreTest extends IdempotencyStoreContract {
  @Override
  protected IdempotencyStore open(Duration retention) {
    return IdempotencyStores.open(PostgresTestDatabase.url(), retention, "amqp.idempotency_store");
  }

  @Override
  protected boolean durable() {
    return true;
  }

  @Test
  @DisplayName("is found by its jdbc:postgresql: location through the ServiceLoader")
  void foundByLocation() {
    try (IdempotencyStore store = open(Duration.ofMinutes(1))) {
      assertThat(store).isInstanceOf(JdbcIdempotencyStore.class);
    }
  }

  @Test
  @DisplayName(
      "refuses an unreachable database with a retriable error that does not repeat the password")
  void unreachableDatabase() {
    assertThatThrownBy(
            () ->
                new JdbcIdempotencyStore(
                    "jdbc:postgresql://127.0.0.1:1/test?user=agent&password=s3cr3t%2Fx"
                        + "&connectTimeout=2",
                    Duration.ofMinutes(1)))
        .isInstanceOf(MessagingException.class)
        .satisfies(e -> assertThat(((MessagingException) e).isRetriable()).isTrue())
        .hasMessageContaining("not reachable")
        .hasMessageNotContaining("s3cr3t");
  }

  @Test
  @DisplayName(
      "names the accepted locations for one no provider opens, without its host or password")
  void unknownLocation() {
    assertThatThrownBy(
            () ->
                IdempotencyStores.open(
                    "redis://agent:s3cr3t@cache:6379", Duration.ofMinutes(1), "amqp.store"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("amqp.store")
        .hasMessageContaining("memory")
        .hasMessageContaining("jdbc:postgresql:")
        .hasMessageNotContaining("s3cr3t")
        .hasMessageNotContaining("cache");
  }
}
