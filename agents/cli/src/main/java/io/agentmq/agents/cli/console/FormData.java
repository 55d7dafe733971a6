package io.agentmq.agents.cli.console;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The names and values of a URL query or an {@code application/x-www-form-urlencoded} body. */
final class FormData {
  /** The largest form body read; the console's forms are a few hundred bytes. */
  static final int MAX_BODY_BYTES = 16 * 1024;

  private final Map<String, String> values;

  private FormData(Map<String, String> values) {
    this.values = values;
  }

  /** The values of a raw (still encoded) query string; null is none. The first of a name wins. */
  static FormData parse(String raw) {
    Map<String, String> values = new HashMap<>();
    if (raw != null && !raw.isEmpty()) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        values.putIfAbsent(name, value);
      }
    }
    return new FormData(values);
  }

  /**
   * The values of a form body.
   *
   * @throws IllegalArgumentException when it is longer than {@link #MAX_BODY_BYTES}
   */
  static FormData read(InputStream body) throws IOException {
    byte[] bytes = body.readNBytes(MAX_BODY_BYTES + 1);
    if (bytes.length > MAX_BODY_BYTES) {
      throw new IllegalArgumentException(
          "the form is longer than " + MAX_BODY_BYTES + " bytes; the console's forms are short");
    }
    return parse(new String(bytes, StandardCharsets.US_ASCII));
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a form or query value is not URL-encoded properly");
    }
  }

  /** The value of {@code name}; empty when absent or blank. */
  Optional<String> get(String name) {
    return Optional.ofNullable(values.get(name)).filter(v -> !v.isBlank());
  }

  /**
   * The value of {@code name}.
   *
   * @throws IllegalArgumentException naming the field when it is absent or blank
   */
  String require(String name) {
    return get(name)
        .orElseThrow(() -> new IllegalArgumentException("the request names no " + name));
  }
}
