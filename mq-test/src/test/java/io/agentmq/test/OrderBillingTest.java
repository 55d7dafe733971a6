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

/** The README's sample: a handler tested through the kit, with no sleep and no real broker. */
class OrderBillingTest {

  @RegisterExtension
  static final AgentMqExtension mq =
      AgentMqExtension.create()
          .configure(
              c -> c.maxRetries(3).retryBackoff(Duration.ofMinutes(10), Duration.ofMinutes(10)));

  @Test
  @DisplayName("bad input is dead-lettered at once; a failure is retried after a 10-minute backoff")
  void deadLettersBadOrdersAndRetriesFailures(TestBroker broker) {
    String orders = broker.topic("orders");
    String invoices = broker.topic("invoices");
    AtomicInteger billingDown = new AtomicInteger(1); // the billing service fails once
    broker
        .queue()
        .subscribe(
            orders,
            "billing",
            delivery -> {
              String order = delivery.message().payloadAsText();
              if (order.isBlank()) {
                throw new NonRetryableException("an order needs an item");
              }
              if (billingDown.getAndDecrement() > 0) {
                throw new IllegalStateException("billing service unavailable");
              }
              delivery.producer().sendAndWait(invoices, Message.ofText("invoice for " + order));
            });

    broker.producer().sendAndWait(orders, Message.ofText(""));
    broker.producer().sendAndWait(orders, Message.ofText("book"));
    broker.clock().advance(Duration.ofMinutes(10)); // the retry is due: no sleeping
    broker.awaitIdle();

    assertThat(broker.published(invoices))
        .extracting(Message::payloadAsText)
        .containsExactly("invoice for book");
    assertThat(broker.deadLettered(orders))
        .singleElement()
        .satisfies(
            dead -> {
              assertThat(dead.message().payloadAsText()).isEmpty();
              assertThat(dead.reason()).get().asString().contains("an order needs an item");
              assertThat(dead.originalTopic()).hasValue(orders);
            });
    assertThat(broker.outcomes(orders))
        .containsExactlyInAnyOrder(
            Outcome.DEAD_LETTERED, Outcome.REDELIVERY_SCHEDULED, Outcome.ACKNOWLEDGED);
  }
}
