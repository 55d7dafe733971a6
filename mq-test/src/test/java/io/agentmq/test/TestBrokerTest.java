package io.agentmq.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmq.api.InvalidMessageException;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.Outcome;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@DisplayName("TestBroker")
@ExtendWith(AgentMqExtension.class)
class TestBrokerTest {

  @Test
  @DisplayName("runs on the in-memory broker by default")
  void memoryByDefault(TestBroker broker) {
    if (System.getProperty(AgentMqExtension.BROKER_PROPERTY) == null
        && System.getenv("MQ_BROKER_TYPE") == null) {
      assertThat(broker.backend()).isEqualTo("memory");
    }
  }

  @Test
  @DisplayName("names topics uniquely per test, the same name for the same topic")
  void uniqueTopics(TestBroker broker) {
    String orders = broker.topic("orders");
    assertThat(orders).startsWith("orders-").isNotEqualTo("orders");
    assertThat(broker.topic("orders")).isEqualTo(orders);
    assertThat(broker.topic("invoices")).endsWith(orders.substring("orders".length()));
    assertThatThrownBy(() -> broker.topic("bad name")).isInstanceOf(InvalidMessageException.class);
  }

  @Test
  @DisplayName("captures publishes per topic, handlers' sends included, and settlements in order")
  void capturesPublishedAndSettled(TestBroker broker) {
    String in = broker.topic("in");
    String out = broker.topic("out");
    broker.queue().subscribe(in, "relay", d -> d.producer().send(out, Message.ofText("echo")));
    Message first = Message.ofText("one");
    broker.producer().sendAndWait(in, first);
    broker.producer().sendAndWait(in, Message.ofText("two"));
    broker.awaitIdle();

    assertThat(broker.published(in))
        .extracting(Message::payloadAsText)
        .containsExactly("one", "two");
    assertThat(broker.published(in).get(0).id()).isEqualTo(first.id());
    assertThat(broker.published(out)).hasSize(2);
    assertThat(broker.published("never-used")).isEmpty();
    assertThat(broker.settled(in))
        .allSatisfy(
            s -> {
              assertThat(s.group()).isEqualTo("relay");
              assertThat(s.attempt()).isEqualTo(1);
              assertThat(s.outcome()).isEqualTo(Outcome.ACKNOWLEDGED);
              assertThat(s.failure()).isEmpty();
            })
        .hasSize(2);
    assertThat(broker.deadLettered(in)).isEmpty();
  }

  @Test
  @DisplayName("closing it closes the queue and deletes the test's topics")
  void closeCleansUp() {
    TestBroker broker = TestBroker.start(null, c -> {});
    String topic = broker.topic("cleanup");
    broker.queue().subscribe(topic, "g", d -> {});
    broker.producer().sendAndWait(topic, Message.ofText("x"));
    broker.awaitIdle();
    assertThat(broker.queue().admin().listTopics()).contains(topic);
    MessageQueue queue = broker.queue();

    broker.close();

    assertThat(queue.subscribers()).isEmpty();
    assertThat(queue.health().isUp()).isFalse();
    broker.close(); // idempotent
  }
}
