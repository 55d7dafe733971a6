package io.agentmq.agents.cli.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmq.api.Headers;
import io.agentmq.api.Redaction;
import io.agentmq.api.deadletter.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A dead letter as the console shows it: where it came from, why it failed, its headers and its
 * payload decoded by its type, else as UTF-8 text, else as base64.
 *
 * @param payloadForm how the payload is shown: {@code decoded}, {@code text} or {@code base64}
 * @param undecodable why decoding by type failed, when it did
 */
record MessageView(
    String id,
    String deadLetterTopic,
    Optional<String> key,
    Optional<String> originalTopic,
    Optional<String> reason,
    Optional<String> exception,
    Optional<Instant> failedAt,
    int replayCount,
    boolean replayable,
    Map<String, String> headers,
    String payloadForm,
    String payload,
    Optional<String> undecodable) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The view of {@code d}, its payload decoded by {@code decoder} where it can be. */
  static MessageView of(DeadLetter d, PayloadDecoder decoder) {
    String form;
    String payload;
    Optional<String> undecodable = Optional.empty();
    byte[] bytes = d.message().payload();
    try {
      payload = pretty(decoder.decode(d.message()));
      form = "decoded";
    } catch (RuntimeException e) {
      undecodable = Optional.of(e.getMessage() == null ? e.getClass().getName() : e.getMessage());
      Optional<String> text = utf8(bytes);
      form = text.isPresent() ? "text" : "base64";
      payload = text.orElseGet(() -> Base64.getEncoder().encodeToString(bytes));
    }
    return new MessageView(
        d.id(),
        d.deadLetterTopic(),
        d.message().key(),
        d.originalTopic(),
        d.reason(),
        d.exception(),
        d.failedAt(),
        d.replayCount(),
        d.replayable(),
        headers(d.message().headers()),
        form,
        payload,
        undecodable);
  }

  /** The type the message names in {@value Headers#TYPE}, when it names one. */
  Optional<String> type() {
    return Optional.ofNullable(headers.get(Headers.TYPE));
  }

  /** The headers in name order, the values of secret-looking names masked. */
  private static Map<String, String> headers(Map<String, String> headers) {
    Map<String, String> shown = new TreeMap<>();
    headers.forEach((k, v) -> shown.put(k, Redaction.isSecretKey(k) ? Redaction.MASK : v));
    return shown;
  }

  private static String pretty(String json) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(json));
    } catch (Exception e) {
      return json;
    }
  }

  /** The bytes as text when they are valid UTF-8 without control characters but tab and newline. */
  private static Optional<String> utf8(byte[] bytes) {
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
      boolean printable =
          text.chars().allMatch(c -> c >= 0x20 || c == '\n' || c == '\r' || c == '\t');
      return printable ? Optional.of(text) : Optional.empty();
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }
}
