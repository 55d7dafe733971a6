package io.agentmq.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.agentmq.api.Headers;
import io.agentmq.api.Message;
import io.agentmq.api.MessageQueue;
import io.agentmq.api.MqConfig;
import io.agentmq.serialization.ForeignClientContract;
import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The wire contract with plain {@code amqp-client} publishers and consumers, and the exact
 * properties AgentMQ writes: {@code message-id}, {@code timestamp}, {@code type}, {@code
 * content-type}, {@code correlation-id}, the key as routing key, and no headers table for a message
 * without headers of its own.
 */
@DisplayName("amqp: clients that are not AgentMQ")
class AmqpForeignClientTest extends ForeignClientContract {

  @Override
  protected MqConfig.Builder configure(MqConfig.Builder builder) {
    return AmqpTestBroker.configure(builder);
  }

  @Override
  protected RawClient rawClient() throws Exception {
    return new PlainRabbit();
  }

  /**
   * The properties 0.1.0's AmqpCodec wrote for the {@code PREVIOUS_*} message: {@code message-id},
   * the timestamp in seconds and the content type as properties, and in the headers the id, the
   * milliseconds, the key and a per-publish id.
   */
  static AMQP.BasicProperties previousProperties() {
    Map<String, Object> headers = new LinkedHashMap<>();
    headers.put(Headers.TYPE, "google.protobuf.StringValue");
    headers.put(Headers.CONTENT_TYPE, "application/x-protobuf");
    headers.put(Headers.CORRELATION_ID, PREVIOUS_CORRELATION_ID);
    headers.put("x-origin", "recorded");
    headers.put(Headers.ID, PREVIOUS_ID);
    headers.put(Headers.TIMESTAMP, Long.toString(PREVIOUS_TIMESTAMP_MILLIS));
    headers.put("mq-publish-id", "17");
    headers.put("mq-key", PREVIOUS_KEY);
    return new AMQP.BasicProperties.Builder()
        .messageId(PREVIOUS_ID)
        .timestamp(new Date(PREVIOUS_TIMESTAMP_MILLIS))
        .contentType("application/x-protobuf")
        .deliveryMode(2)
        .headers(headers)
        .build();
  }

  @Test
  @DisplayName(
      "publishes a message without headers of its own with no headers table, and a key too long"
          + " for a routing key in mq-key")
  void exactProperties() throws Exception {
    String topic = "foreign-props-" + UUID.randomUUID().toString().substring(0, 8);
    String longKey = "k".repeat(300);
    try (PlainRabbit plain = new PlainRabbit();
        PlainRabbit.Reader reader = plain.read(topic);
        MessageQueue queue = MessageQueue.create(configure(MqConfig.builder()).build())) {
      queue.createProducer().sendAndWait(topic, Message.of("order-1", new byte[] {1}));
      queue.createProducer().sendAndWait(topic, Message.of(longKey, new byte[] {2}));

      GetResponse first = reader.nextResponse(Duration.ofSeconds(30));
      GetResponse second = reader.nextResponse(Duration.ofSeconds(30));
      assertThat(first.getProps().getHeaders()).isNull();
      assertThat(first.getEnvelope().getRoutingKey()).isEqualTo("order-1");
      assertThat(first.getProps().getMessageId()).isNotBlank();
      assertThat(first.getProps().getDeliveryMode()).isEqualTo(2);
      assertThat(second.getEnvelope().getRoutingKey()).isEmpty();
      assertThat(second.getProps().getHeaders()).containsOnlyKeys("mq-key");
      assertThat(second.getProps().getHeaders().get("mq-key").toString()).isEqualTo(longKey);
      queue.admin().deleteTopic(topic);
    }
  }

  /** amqp-client on its own connection, publishing to the topic's exchange. */
  static final class PlainRabbit implements RawClient {
    private final Connection connection;
    private final Channel channel;

    PlainRabbit() throws Exception {
      ConnectionFactory factory = new ConnectionFactory();
      factory.setUri(AmqpTestBroker.url());
      connection = factory.newConnection("plain-amqp-client");
      channel = connection.createChannel();
      channel.confirmSelect();
    }

    private void publish(String topic, String routingKey, AMQP.BasicProperties props, byte[] body)
        throws Exception {
      channel.basicPublish(topic, routingKey, true, props, body);
      channel.waitForConfirmsOrDie(10_000);
    }

    @Override
    public void publishBare(String topic, String key, byte[] payload) throws Exception {
      publish(topic, key, new AMQP.BasicProperties(), payload);
    }

    @Override
    public void publishStandard(String topic, String key, byte[] payload, StandardFields fields)
        throws Exception {
      publish(
          topic,
          key,
          new AMQP.BasicProperties.Builder()
              .messageId(fields.messageId())
              .type(fields.type())
              .contentType(fields.contentType())
              .correlationId(fields.correlationId())
              .timestamp(Date.from(fields.timestamp()))
              .deliveryMode(2)
              .build(),
          payload);
    }

    @Override
    public void publishPreviousFormat(String topic) throws Exception {
      // 0.1.0 published with an empty routing key: the key was in mq-key only
      publish(topic, "", previousProperties(), PREVIOUS_PAYLOAD.toByteArray());
    }

    @Override
    public Reader read(String topic) throws Exception {
      return new Reader(connection.createChannel(), topic);
    }

    @Override
    public void close() throws Exception {
      connection.close();
    }

    /** An exclusive queue bound to the topic's exchange with {@code #}, read with basic.get. */
    static final class Reader implements RawReader {
      private final Channel channel;
      private final String queue;

      Reader(Channel channel, String topic) throws Exception {
        this.channel = channel;
        // The same declaration AgentMQ makes: a durable topic exchange named after the topic.
        channel.exchangeDeclare(topic, BuiltinExchangeType.TOPIC, true);
        queue = channel.queueDeclare().getQueue();
        channel.queueBind(queue, topic, "#");
      }

      GetResponse nextResponse(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        GetResponse response;
        while ((response = channel.basicGet(queue, true)) == null && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(response).as("a message within %s", timeout).isNotNull();
        return response;
      }

      @Override
      public RawRecord next(Duration timeout) throws Exception {
        GetResponse r = nextResponse(timeout);
        AMQP.BasicProperties p = r.getProps();
        Map<String, String> headers = new LinkedHashMap<>();
        if (p.getHeaders() != null) {
          p.getHeaders().forEach((k, v) -> headers.put(k, String.valueOf(v)));
        }
        return new RawRecord(
            r.getEnvelope().getRoutingKey(),
            r.getBody(),
            p.getTimestamp() == null ? 0 : p.getTimestamp().getTime(),
            p.getMessageId(),
            p.getType(),
            p.getCorrelationId(),
            headers);
      }

      @Override
      public void close() throws Exception {
        channel.close();
      }
    }
  }
}
