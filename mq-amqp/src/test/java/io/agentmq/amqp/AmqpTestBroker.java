package io.agentmq.amqp;

/** The RabbitMQ the tests use: {@code AMQP_URL} when set, else the local one (guest/guest). */
public final class AmqpTestBroker {
  private AmqpTestBroker() {}

  public static String url() {
    String url = System.getenv("AMQP_URL");
    return url != null && !url.isBlank() ? url : "amqp://guest:guest@127.0.0.1:5672";
  }
}
