package io.agentmq.jdbc;

import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The outbox example of the README: an order row and its "order placed" message committed in one
 * transaction, relayed to the broker of {@code MQ_BROKER_TYPE}, and read back.
 */
public final class OutboxExample {
  private OutboxExample() {}

  public static void main(String[] args) throws Exception {
    String jdbcUrl =
        System.getenv()
            .getOrDefault("OUTBOX_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    try (MessageQueue queue = MessageQueue.fromEnvironment()) {
      System.out.println("received: " + placeOrder(queue, jdbcUrl));
    }
  }

  /** Commits an order and its message, relays the outbox, and returns the message as received. */
  static String placeOrder(MessageQueue queue, String jdbcUrl) throws Exception {
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    queue.subscribe(
        "orders",
        "shipping",
        d -> received.add(d.key().orElse("") + " " + d.message().payloadAsText()));

    JdbcOutbox outbox = new JdbcOutbox(); // table agentmq_outbox
    try (OutboxRelay relay = OutboxRelay.builder(jdbcUrl, queue.createProducer()).start();
        Connection tx = DriverManager.getConnection(jdbcUrl)) {
      try (Statement s = tx.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS example_orders (id TEXT PRIMARY KEY, item TEXT)");
      }
      String orderId = "order-" + UUID.randomUUID();
      tx.setAutoCommit(false);
      try (PreparedStatement s = tx.prepareStatement("INSERT INTO example_orders VALUES (?, ?)")) {
        s.setString(1, orderId);
        s.setString(2, "book");
        s.executeUpdate();
      }
      outbox.write(
          tx, "orders", Message.of(orderId, "placed: book".getBytes(StandardCharsets.UTF_8)));
      tx.commit(); // the row and the message, or neither

      return received.poll(30, TimeUnit.SECONDS);
    }
  }
}
