package io.agentmq.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.api.Message;
import io.agentmq.api.NonRetryableException;
import io.agentmq.api.Outcome;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One test for every broker: the build runs it on the in-memory broker, then again on RabbitMQ with
 * the one setting {@code -Dagentmq.test.broker=amqp} (the {@code on-rabbitmq} execution).
 */
class SameTestOnEveryBrokerTest {

  /** Short enough to wait out in real time on a real broker; skipped by the clock on memory. */
  private static final Duration BACKOFF = Duration.ofMillis(500);

  @RegisterExtension
  static final AgentMqExtension mq =
      AgentMqExtension.create().configure(c -> c.maxRetries(3).retryBackoff(BACKOFF, BACKOFF));

  @Test
  @DisplayName("retries a failure, dead-letters bad input and captures what was published")
  void retriesDeadLettersAndCaptures(TestBroker broker) {
    String orders = broker.topic("orders");
    String invoices = broker.topic("invoices");
    AtomicInteger failuresLeft = new AtomicInteger(1);
    AtomicInteger mailed = new AtomicInteger();
    // RabbitMQ refuses a message no queue would keep: the invoices' reader subscribes first.
    broker.queue().subscribe(invoices, "mailer", d -> mailed.incrementAndGet());
    broker
        .queue()
        .subscribe(
            orders,
            "billing",
            d -> {
              String order = new String(d.payload());
              if (order.isBlank()) {
                throw new NonRetryableException("an order needs an item");
              }
              if (failuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("billing service unavailable");
              }
              d.producer().sendAndWait(invoices, Message.ofText("invoice for " + order));
            });

    broker.producer().sendAndWait(orders, Message.ofText(""));
    broker.producer().sendAndWait(orders, Message.ofText("book"));
    broker.clock().advance(BACKOFF);
    broker.awaitIdle();

    assertThat(broker.published(orders)).hasSize(2);
    assertThat(broker.published(invoices))
        .extracting(Message::payloadAsText)
        .containsExactly("invoice for book");
    assertThat(mailed).hasValue(1);
    assertThat(broker.deadLettered(orders))
        .singleElement()
        .satisfies(dead -> assertThat(dead.originalTopic()).hasValue(orders));
    assertThat(broker.outcomes(orders))
        .containsExactlyInAnyOrder(
            Outcome.DEAD_LETTERED, Outcome.REDELIVERY_SCHEDULED, Outcome.ACKNOWLEDGED);
    assertThat(broker.clock().drivesBroker()).isEqualTo(broker.backend().equals("memory"));
  }
}
