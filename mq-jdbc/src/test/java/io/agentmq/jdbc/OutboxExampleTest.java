package io.agentmq.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.kafka.KafkaTestBroker;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's outbox example, run on the real PostgreSQL and Kafka. */
class OutboxExampleTest {
  @Test
  @Timeout(120)
  @DisplayName("the README example delivers the committed order's message, keyed by the order id")
  void exampleRuns() throws Exception {
    dropTables(); // rows of an earlier run
    try (MessageQueue queue =
        MessageQueue.create(KafkaTestBroker.configure(MqConfig.builder()).build())) {
      assertThat(OutboxExample.placeOrder(queue, PostgresTestDatabase.url()))
          .matches("order-[0-9a-f-]{36} placed: book");
    } finally {
      dropTables();
    }
  }

  private static void dropTables() throws Exception {
    try (Connection c = OutboxTables.connect();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + JdbcOutbox.DEFAULT_TABLE + ", example_orders");
    }
  }
}
