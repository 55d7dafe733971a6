package io.agentmq.serialization;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.Internal;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.agentmq.api.Headers;
import io.agentmq.api.MessageHandler;
import io.agentmq.api.NonRetryableException;
import io.agentmq.api.Producer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns protobuf messages into AgentMQ {@link io.agentmq.api.Message}s and back.
 *
 * <p>Encoding sets {@value Headers#TYPE} (the protobuf full name) and {@value
 * Headers#CONTENT_TYPE}. Decoding reads any of the {@link ContentType}s, whatever this codec
 * encodes with, and treats the bytes as untrusted: anything that cannot become a registered message
 * within the {@link DecodeLimits} fails with a {@link NonRetryableException} whose message names
 * the problem, so a consumer dead-letters it at once and goes on.
 *
 * <p>Immutable and thread-safe.
 */
public final class MessageCodec {
  private final TypeRegistry registry;
  private final ContentType contentType;
  private final DecodeLimits limits;

  /** The full names of generated classes already found in the registry: encoding looks once. */
  private final java.util.concurrent.ConcurrentHashMap<Class<?>, String> registeredName =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final JsonFormat.Printer jsonPrinter;
  private final JsonFormat.Parser jsonParser;

  private MessageCodec(TypeRegistry registry, ContentType contentType, DecodeLimits limits) {
    this.registry = registry;
    this.contentType = contentType;
    this.limits = limits;
    this.jsonPrinter = JsonFormat.printer().omittingInsignificantWhitespace();
    // Unknown fields are skipped, as in binary: a newer sender may have added fields.
    this.jsonParser = JsonFormat.parser().ignoringUnknownFields();
  }

  /**
   * The types of {@code registry} (the application's schemas: the codec knows none of its own),
   * protobuf binary, {@link DecodeLimits#DEFAULT}.
   */
  public static MessageCodec create(TypeRegistry registry) {
    return create(registry, ContentType.PROTOBUF, DecodeLimits.DEFAULT);
  }

  public static MessageCodec create(
      TypeRegistry registry, ContentType encodeAs, DecodeLimits limits) {
    return new MessageCodec(
        Objects.requireNonNull(registry, "registry"),
        Objects.requireNonNull(encodeAs, "encodeAs"),
        Objects.requireNonNull(limits, "limits"));
  }

  /** The same codec, encoding with {@code type}. */
  public MessageCodec encodingAs(ContentType type) {
    return new MessageCodec(registry, type, limits);
  }

  public TypeRegistry registry() {
    return registry;
  }

  public ContentType contentType() {
    return contentType;
  }

  /** A message holding {@code payload}, with a new id and the type headers. */
  public io.agentmq.api.Message encode(Message payload) {
    return encoder(payload).build();
  }

  /**
   * A builder holding {@code payload} and the type headers, for adding a key or other headers.
   *
   * @throws IllegalArgumentException if the payload's type is not registered (a receiver could not
   *     decode it)
   */
  public io.agentmq.api.Message.Builder encoder(Message payload) {
    String type = registeredName.get(payload.getClass());
    if (type == null) {
      type = payload.getDescriptorForType().getFullName();
      if (registry.find(type).isEmpty()) {
        throw new IllegalArgumentException(
            "message type " + type + " is not registered; register it in the TypeRegistry first");
      }
      if (!(payload instanceof com.google.protobuf.DynamicMessage)) {
        registeredName.putIfAbsent(payload.getClass(), type); // one generated class, one type
      }
    }
    return io.agentmq.api.Message.builder(bytesOf(payload))
        .header(Headers.TYPE, type)
        .header(Headers.CONTENT_TYPE, contentType.header());
  }

  private byte[] bytesOf(Message payload) {
    switch (contentType) {
      case JSON:
        try {
          return jsonPrinter.print(payload).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalArgumentException(
              "cannot print "
                  + payload.getDescriptorForType().getFullName()
                  + " as JSON: "
                  + e.getMessage(),
              e);
        }
      case BASE64:
        return Base64.getEncoder().encode(payload.toByteArray());
      case PROTOBUF:
      default:
        return payload.toByteArray();
    }
  }

  /**
   * Decodes a message to the registered type its {@value Headers#TYPE} names (RabbitMQ: the {@code
   * type} property).
   *
   * @throws NonRetryableException naming the problem: missing or unknown type, unsupported content
   *     type, oversize, malformed, truncated or too deeply nested bytes
   */
  public Message decode(io.agentmq.api.Message message) {
    String type =
        message
            .header(Headers.TYPE)
            .orElseThrow(
                () ->
                    new NonRetryableException(
                        "message "
                            + message.id()
                            + " names no type ("
                            + Headers.TYPE
                            + " header, or RabbitMQ's type property) and its handler accepts any"
                            + " of "
                            + registry.names()
                            + ", so its payload cannot be decoded: send the protobuf full name in "
                            + Headers.TYPE
                            + ", or subscribe with a handler of one type"));
    return decodeAs(message, type, prototype(type));
  }

  /**
   * Decodes a message that must be of {@code expected}. A message that names no type (a client that
   * is not AgentMQ sent bare protobuf bytes) is decoded as {@code expected}.
   *
   * @throws NonRetryableException as {@link #decode(io.agentmq.api.Message)}, or when the message
   *     names another type
   */
  public <T extends Message> T decode(io.agentmq.api.Message message, Class<T> expected) {
    return decodeExpecting(message, expected, List.of(expected));
  }

  /**
   * Decodes a message of one of {@code accepted} (the types a handler takes) as a {@code target}: a
   * message that names no type is decoded as the only accepted type, and refused with a reason when
   * several are accepted.
   */
  public <T extends Message> T decodeExpecting(
      io.agentmq.api.Message message, Class<T> target, Collection<Class<?>> accepted) {
    Optional<String> named = message.header(Headers.TYPE);
    Message decoded;
    if (named.isPresent()) {
      decoded = decodeAs(message, named.get(), prototype(named.get()));
    } else if (accepted.size() == 1) {
      Message prototype =
          Internal.getDefaultInstance(accepted.iterator().next().asSubclass(Message.class));
      decoded = decodeAs(message, prototype.getDescriptorForType().getFullName(), prototype);
    } else {
      throw new NonRetryableException(
          "message "
              + message.id()
              + " names no type ("
              + Headers.TYPE
              + " header, or RabbitMQ's type property) and its handler accepts "
              + (accepted.isEmpty() ? "no type" : "several: " + names(accepted))
              + ", so the type cannot be chosen; send the protobuf full name in "
              + Headers.TYPE);
    }
    if (!target.isInstance(decoded)) {
      throw new NonRetryableException(
          "expected "
              + (accepted.size() == 1 ? "a " + target.getName() : "one of " + names(accepted))
              + " but "
              + Headers.TYPE
              + " says "
              + decoded.getDescriptorForType().getFullName());
    }
    return target.cast(decoded);
  }

  private static List<String> names(Collection<Class<?>> types) {
    return types.stream().map(Class::getName).sorted().toList();
  }

  private Message prototype(String type) {
    return registry
        .find(type)
        .orElseThrow(
            () ->
                new NonRetryableException(
                    "unknown "
                        + Headers.TYPE
                        + " '"
                        + type
                        + "': not in the type registry, which holds "
                        + registry.names()));
  }

  private Message decodeAs(io.agentmq.api.Message message, String type, Message prototype) {
    String header = message.header(Headers.CONTENT_TYPE).orElse(ContentType.PROTOBUF.header());
    ContentType encoding =
        ContentType.fromHeader(header)
            .orElseThrow(
                () ->
                    new NonRetryableException(
                        "unsupported "
                            + Headers.CONTENT_TYPE
                            + " '"
                            + header
                            + "'; accepted: "
                            + ContentType.accepted()));
    byte[] bytes = message.payload();
    if (encoding == ContentType.BASE64) {
      // Base64 grows data by 4/3: refuse before decoding what could not fit anyway.
      checkSize(type, encoding, (long) bytes.length * 3 / 4);
      try {
        bytes = Base64.getDecoder().decode(withoutLineBreaks(bytes));
      } catch (IllegalArgumentException e) {
        throw failure(type, encoding, "not valid base64: " + e.getMessage(), null);
      }
    }
    checkSize(type, encoding, bytes.length);
    return encoding == ContentType.JSON
        ? fromJson(type, prototype, bytes)
        : fromBinary(type, encoding, prototype, bytes);
  }

  private Message fromBinary(String type, ContentType encoding, Message prototype, byte[] bytes) {
    CodedInputStream input = CodedInputStream.newInstance(bytes);
    input.setRecursionLimit(limits.maxDepth());
    input.setSizeLimit(limits.maxBytes());
    try {
      return prototype
          .getParserForType()
          .parseFrom(input, ExtensionRegistryLite.getEmptyRegistry());
    } catch (InvalidProtocolBufferException e) {
      throw failure(type, encoding, e.getMessage(), e);
    }
  }

  private Message fromJson(String type, Message prototype, byte[] bytes) {
    String json;
    try {
      json =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw failure(type, ContentType.JSON, "not valid UTF-8", e);
    }
    // JsonFormat's own recursion limit is fixed (100); check ours before parsing. Arrays of
    // messages add a level of JSON per message level, hence twice the message depth.
    int depth = jsonDepth(json);
    if (depth > 2 * limits.maxDepth()) {
      throw failure(
          type,
          ContentType.JSON,
          "nested "
              + depth
              + " levels deep, over the limit of "
              + 2 * limits.maxDepth()
              + " JSON levels ("
              + limits.maxDepth()
              + " message levels)",
          null);
    }
    Message.Builder builder = prototype.newBuilderForType();
    try {
      jsonParser.merge(json, builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw failure(type, ContentType.JSON, e.getMessage(), e);
    }
    return builder.build();
  }

  /**
   * Base64 text may be wrapped into lines; nothing else outside the alphabet is accepted (the MIME
   * decoder would silently skip garbage).
   */
  private static byte[] withoutLineBreaks(byte[] text) {
    int n = 0;
    byte[] out = new byte[text.length];
    for (byte b : text) {
      if (b != '\r' && b != '\n') {
        out[n++] = b;
      }
    }
    return n == text.length ? text : Arrays.copyOf(out, n);
  }

  /** The deepest nesting of objects and arrays, outside strings; a linear scan, no parsing. */
  static int jsonDepth(String json) {
    int depth = 0;
    int max = 0;
    boolean inString = false;
    boolean escaped = false;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        max = Math.max(max, ++depth);
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    return max;
  }

  private void checkSize(String type, ContentType encoding, long size) {
    if (size > limits.maxBytes()) {
      throw failure(
          type,
          encoding,
          "payload of "
              + size
              + " bytes is over the decode limit of "
              + limits.maxBytes()
              + " bytes",
          null);
    }
  }

  private static NonRetryableException failure(
      String type, ContentType encoding, String problem, Throwable cause) {
    return new NonRetryableException(
        "cannot decode " + type + " from " + encoding.header() + ": " + problem, cause);
  }

  /** A producer that sends protobuf messages through {@code producer}. */
  public TypedProducer producer(Producer producer) {
    return new TypedProducer(producer, this);
  }

  /**
   * A handler for messages of one type: decodes each delivery and passes it on. A delivery that
   * does not decode to {@code type} fails with a {@link NonRetryableException} (dead-lettered).
   */
  public <T extends Message> MessageHandler handler(Class<T> type, TypedHandler<T> handler) {
    return delivery -> handler.handle(decode(delivery.message(), type), delivery);
  }

  /**
   * A handler for several types, dispatching by {@value Headers#TYPE}; a message naming no type is
   * decoded as the only type when one is registered, else dead-lettered.
   */
  public Dispatcher.Builder dispatcher() {
    return new Dispatcher.Builder(this);
  }
}
