package io.agentmq.api;

/**
 * Names of the envelope's fields in {@link Message#headers()}, and of the headers that carry them
 * where a broker has no field of its own (all values are strings). RabbitMQ carries {@link #TYPE},
 * {@link #CONTENT_TYPE} and {@link #CORRELATION_ID} on its {@code type}, {@code content-type} and
 * {@code correlation-id} properties; Kafka in headers of these names. {@link Message#id()} and
 * {@link Message#timestamp()} are message fields, never in {@link Message#headers()}; the mapping
 * per backend is in {@code docs/architecture.md} ("The wire").
 */
public final class Headers {
  /**
   * Message id on Kafka, sent only when the id is known at send time (see {@link
   * Message#knownId()}); RabbitMQ uses its {@code message-id} property. Read from either.
   */
  public static final String ID = "mq-id";

  /** Protobuf full name of the payload, e.g. {@code com.example.v1.OrderPlaced}. */
  public static final String TYPE = "mq-type";

  /** {@code application/x-protobuf} (default), {@code application/json} or {@code text/base64}. */
  public static final String CONTENT_TYPE = "mq-content-type";

  /**
   * Publish time in epoch milliseconds, as the previous version (0.1.0) wrote it on both brokers;
   * read for compatibility, no longer written (Kafka: the record timestamp; RabbitMQ: the {@code
   * timestamp} property).
   */
  public static final String TIMESTAMP = "mq-timestamp";

  /** Id of the request a message answers. */
  public static final String CORRELATION_ID = "mq-correlation-id";

  /** W3C trace context. */
  public static final String TRACEPARENT = "traceparent";

  /** Delivery attempt, starting at 1; set on redeliveries. */
  public static final String ATTEMPT = "mq-attempt";

  /**
   * On a parked retry: the topic it was consumed from (a retry topic's consumer hands it out as a
   * delivery of that topic).
   */
  public static final String RETRY_TOPIC = "mq-retry-topic";

  /** On a parked retry: when it may be handled again, epoch milliseconds. */
  public static final String RETRY_DUE = "mq-retry-due";

  /** What every dead-letter header starts with. */
  public static final String DLQ_PREFIX = "mq-dlq-";

  /**
   * On a dead letter too large to publish whole: how many payload bytes were dropped (the original
   * stays where {@link #DLQ_ORIGINAL_TOPIC}, partition and offset say, as long as the broker keeps
   * it).
   */
  public static final String DLQ_PAYLOAD_DROPPED = "mq-dlq-payload-dropped";

  /** Why the message was dead-lettered. */
  public static final String DLQ_REASON = "mq-dlq-reason";

  /** Class name of the exception that made the message fail. */
  public static final String DLQ_EXCEPTION = "mq-dlq-exception";

  /** Topic the message was consumed from. */
  public static final String DLQ_ORIGINAL_TOPIC = "mq-dlq-original-topic";

  /** Partition the message was consumed from ({@code -1} where the broker has none). */
  public static final String DLQ_ORIGINAL_PARTITION = "mq-dlq-original-partition";

  /** Offset the message was consumed from ({@code -1} where the broker has none). */
  public static final String DLQ_ORIGINAL_OFFSET = "mq-dlq-original-offset";

  /** Consumer group that gave up on the message. */
  public static final String DLQ_GROUP = "mq-dlq-group";

  /** How many times the handler was invoked. */
  public static final String DLQ_ATTEMPTS = "mq-dlq-attempts";

  /** When the message was dead-lettered, epoch milliseconds. */
  public static final String DLQ_FAILED_AT = "mq-dlq-failed-at";

  /**
   * How many times a message was sent back from its dead-letter topic ({@link
   * io.agentmq.api.deadletter.DeadLetters#replay}); absent on a message never replayed.
   */
  public static final String REPLAY_COUNT = "mq-replay-count";

  private Headers() {}
}
