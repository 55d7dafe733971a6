package io.agentmq.serialization;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** How a payload is encoded; carried in the {@code mq-content-type} header. */
public enum ContentType {
  /** Protobuf binary, the default. */
  PROTOBUF("application/x-protobuf"),
  /** Protobuf's JSON mapping ({@code JsonFormat}): for debugging and for people. */
  JSON("application/json"),
  /** Protobuf binary, base64-encoded, for transports that carry only text. */
  BASE64("text/base64");

  private final String header;

  /** This, as {@link #fromHeader} answers: no allocation on the common path. */
  private final Optional<ContentType> found;

  ContentType(String header) {
    this.header = header;
    this.found = Optional.of(this);
  }

  /** The {@code mq-content-type} value. */
  public String header() {
    return header;
  }

  /**
   * The content type a header value names; parameters ({@code ;charset=..}) are ignored, and {@code
   * application/protobuf} (the registered name) and {@code application/vnd.google.protobuf} are
   * read as {@link #PROTOBUF}.
   */
  public static Optional<ContentType> fromHeader(String value) {
    for (ContentType type : VALUES) {
      if (type.header.equals(value)) {
        return type.found; // what AgentMQ itself writes: every message takes this path
      }
    }
    int semicolon = value.indexOf(';');
    String bare = (semicolon < 0 ? value : value.substring(0, semicolon)).trim();
    if (bare.equalsIgnoreCase("application/protobuf")
        || bare.equalsIgnoreCase("application/vnd.google.protobuf")) {
      return Optional.of(PROTOBUF);
    }
    for (ContentType type : VALUES) {
      if (type.header.equalsIgnoreCase(bare)) {
        return type.found;
      }
    }
    return Optional.empty();
  }

  private static final ContentType[] VALUES = values();

  static String accepted() {
    return Arrays.stream(values()).map(ContentType::header).collect(Collectors.joining(", "))
        + " (also application/protobuf)";
  }
}
