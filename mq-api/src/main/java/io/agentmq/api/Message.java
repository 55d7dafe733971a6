package io.agentmq.api;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A broker-neutral message: id, optional key, string headers, payload bytes and a timestamp.
 *
 * <p>A message built without an id gets one the first time anybody asks for it ({@link #id()}), and
 * keeps it. A backend that can name a message by where it stored it (Kafka: topic, partition and
 * offset) sends an id only when one is {@linkplain #knownId() known}: the consumer then sees the id
 * the sender saw, and a message whose id nobody looked at costs no id on the wire.
 *
 * <p>Immutable and safe to share between threads. The payload array is handed over, not copied:
 * neither the sender nor a handler may modify it after the message is built. Typed payloads come
 * through mq-serialization, not through this class.
 */
public final class Message {
  private static final VarHandle ID;

  static {
    try {
      ID = MethodHandles.lookup().findVarHandle(Message.class, "id", String.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * Given, or created on the first {@link #id()}; {@code null} until then. Not volatile: a String
   * is safe to read through a race, and {@link #id()} settles the first one with a CAS.
   */
  private String id;

  private final String key;
  private final Map<String, String> headers;
  private final byte[] payload;
  private final long timestampMillis;

  private Message(
      String id, String key, Map<String, String> headers, byte[] payload, long timestampMillis) {
    this.id = id;
    this.key = key;
    this.headers = headers;
    this.payload = payload;
    this.timestampMillis = timestampMillis;
  }

  /** A message with a new id, no key, no headers and the current time. */
  public static Message of(byte[] payload) {
    return of(null, payload);
  }

  /** A message with a new id, the given key, no headers and the current time. */
  public static Message of(String key, byte[] payload) {
    Objects.requireNonNull(payload, "payload must not be null; use new byte[0]");
    return new Message(null, key, Map.of(), payload, System.currentTimeMillis());
  }

  /** A message with a new id and the UTF-8 bytes of {@code text}. */
  public static Message ofText(String text) {
    return of(text.getBytes(StandardCharsets.UTF_8));
  }

  public static Builder builder(byte[] payload) {
    return new Builder(payload);
  }

  /**
   * Unique id: the one given to the builder, else a random UUID created on the first call. On the
   * wire: RabbitMQ's {@code message-id} property; on Kafka the {@value Headers#ID} header when the
   * id is {@linkplain #knownId() known} at send time, else the consumer names the message {@code
   * topic-partition-offset}, the id the send's {@link DeliveryReport} reports too.
   */
  public String id() {
    String known = id;
    if (known != null) {
      return known;
    }
    String created = newId();
    return ID.compareAndSet(this, null, created) ? created : (String) ID.getVolatile(this);
  }

  /** The id if it was given or has been asked for; never creates one. */
  public Optional<String> knownId() {
    return Optional.ofNullable(id);
  }

  /** Messages with the same key are handled in publish order within a group. */
  public Optional<String> key() {
    return Optional.ofNullable(key);
  }

  /** Unmodifiable headers, without {@value Headers#ID} and {@value Headers#TIMESTAMP}. */
  public Map<String, String> headers() {
    return headers;
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name));
  }

  /** The payload bytes, shared and not copied; never {@code null}, possibly empty. */
  public byte[] payload() {
    return payload;
  }

  /** The payload decoded as UTF-8. */
  public String payloadAsText() {
    return new String(payload, StandardCharsets.UTF_8);
  }

  /**
   * Publish time. Kafka and the memory backend keep milliseconds (Kafka: the record timestamp);
   * RabbitMQ keeps whole seconds (the AMQP {@code timestamp} property).
   */
  public Instant timestamp() {
    return Instant.ofEpochMilli(timestampMillis);
  }

  public long timestampMillis() {
    return timestampMillis;
  }

  /** A copy of this message with one header added or replaced. */
  public Message withHeader(String name, String value) {
    return toBuilder().header(name, value).build();
  }

  /**
   * A builder holding this message's id, key, headers, payload and timestamp. A copy is the same
   * message, so this assigns the id if nobody had asked for it yet.
   */
  public Builder toBuilder() {
    return new Builder(payload)
        .id(id())
        .key(key)
        .headers(headers)
        .timestamp(Instant.ofEpochMilli(timestampMillis));
  }

  /** Size on the wire as AgentMQ counts it against {@code producer.max_message_bytes}. */
  public int serializedSizeEstimate() {
    String known = id;
    long size = payload.length + (known == null ? 36 : utf8Length(known)) + 32L;
    if (key != null) {
      size += utf8Length(key);
    }
    for (Map.Entry<String, String> header : headers.entrySet()) {
      size += utf8Length(header.getKey()) + utf8Length(header.getValue()) + 8L;
    }
    return (int) Math.min(Integer.MAX_VALUE, size);
  }

  private static int utf8Length(String s) {
    int length = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        length += 1;
      } else if (c < 0x800) {
        length += 2;
      } else if (Character.isHighSurrogate(c)) {
        length += 4;
        i++;
      } else {
        length += 3;
      }
    }
    return length;
  }

  /** Messages are equal when their ids, keys, headers, timestamps and payload bytes are. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Message other
        && id().equals(other.id())
        && Objects.equals(key, other.key)
        && headers.equals(other.headers)
        && timestampMillis == other.timestampMillis
        && java.util.Arrays.equals(payload, other.payload);
  }

  @Override
  public int hashCode() {
    return id().hashCode();
  }

  /**
   * Id (assigned now if nobody had asked for it: whoever reads it may look for it later), key,
   * header names and payload size; never the payload or header values.
   */
  @Override
  public String toString() {
    return "Message{id="
        + id()
        + (key == null ? "" : ", key=" + key)
        + ", headers="
        + headers.keySet()
        + ", payload="
        + payload.length
        + " bytes}";
  }

  /**
   * A random (version 4) UUID string. Message ids need uniqueness, not unpredictability, so this
   * draws from {@link ThreadLocalRandom} instead of the much slower {@code SecureRandom} of {@link
   * UUID#randomUUID()}.
   */
  public static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long most = (random.nextLong() & ~0xF000L) | 0x4000L;
    long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(most, least).toString();
  }

  /** Builds a {@link Message}; not thread-safe. */
  public static final class Builder {
    private String id;
    private String key;
    private Map<String, String> headers = Map.of();
    private boolean headersShared = true;
    private final byte[] payload;
    private long timestampMillis = -1;

    private Builder(byte[] payload) {
      this.payload = Objects.requireNonNull(payload, "payload must not be null; use new byte[0]");
    }

    /** Sets the id; without one the message creates a UUID when its id is first asked for. */
    public Builder id(String id) {
      this.id = Objects.requireNonNull(id, "id");
      if (id.isBlank()) {
        throw new IllegalArgumentException("message id must not be blank");
      }
      return this;
    }

    /** Sets the key ({@code null} for none). */
    public Builder key(String key) {
      this.key = key;
      return this;
    }

    public Builder header(String name, String value) {
      Objects.requireNonNull(name, "header name");
      Objects.requireNonNull(value, () -> "value of header '" + name + "'");
      if (headersShared) {
        headers = new LinkedHashMap<>(headers);
        headersShared = false;
      }
      headers.put(name, value);
      return this;
    }

    public Builder headers(Map<String, String> values) {
      values.forEach(this::header);
      return this;
    }

    public Builder timestamp(Instant timestamp) {
      this.timestampMillis = timestamp.toEpochMilli();
      return this;
    }

    public Message build() {
      if (!headersShared) {
        // Hand this map to the message; a later header() on this builder copies it again.
        headers = Collections.unmodifiableMap(headers);
        headersShared = true;
      }
      Map<String, String> copy = headers;
      return new Message(
          id,
          key,
          copy,
          payload,
          timestampMillis < 0 ? System.currentTimeMillis() : timestampMillis);
    }
  }
}
