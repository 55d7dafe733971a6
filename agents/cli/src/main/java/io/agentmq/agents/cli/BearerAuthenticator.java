package io.agentmq.agents.cli;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Optional;

/**
 * Admits the HTTP endpoint's requests that carry {@code Authorization: Bearer <token>}; others get
 * 401 with {@code WWW-Authenticate: Bearer}. The token comes from a file or {@value
 * #ENVIRONMENT_VARIABLE}, never the command line, and is kept only as its SHA-256 digest, compared
 * in constant time.
 */
final class BearerAuthenticator extends Authenticator {
  /** The environment variable that holds the token when no token file is given. */
  static final String ENVIRONMENT_VARIABLE = "AGENTMQ_HTTP_TOKEN";

  /** The shortest token accepted. */
  static final int MIN_LENGTH = 16;

  private static final long MAX_FILE_BYTES = 4096;
  private static final String SCHEME = "Bearer ";
  private static final String REALM = "agentmq";
  private final byte[] digest;

  private BearerAuthenticator(byte[] digest) {
    this.digest = digest;
  }

  /**
   * The authenticator for the token in {@code tokenFile} if given (it wins over the environment),
   * else in {@value #ENVIRONMENT_VARIABLE} of {@code environment}; empty when neither is set.
   *
   * @throws IllegalArgumentException naming the source (never the token) when the file cannot be
   *     read or the token is not acceptable
   */
  static Optional<BearerAuthenticator> load(Path tokenFile, Map<String, String> environment) {
    if (tokenFile != null) {
      String source = "the --http-token-file " + tokenFile;
      return Optional.of(of(read(tokenFile, source), source));
    }
    String value = environment.get(ENVIRONMENT_VARIABLE);
    if (value == null) {
      return Optional.empty();
    }
    return Optional.of(of(value.strip(), ENVIRONMENT_VARIABLE));
  }

  private static String read(Path file, String source) {
    try {
      if (!Files.exists(file)) {
        throw new IllegalArgumentException(
            "cannot read " + source + ": no such file; give a file that holds the bearer token");
      }
      if (!Files.isRegularFile(file) || Files.size(file) > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(
            source
                + " is not a regular file of at most "
                + MAX_FILE_BYTES
                + " bytes; give a file that holds only the bearer token");
      }
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException(
          "cannot read " + source + ": permission denied for the user running agentmq");
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read " + source + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static BearerAuthenticator of(String token, String source) {
    if (token.length() < MIN_LENGTH || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException(
          "the bearer token in "
              + source
              + " is not acceptable: it must be at least "
              + MIN_LENGTH
              + " characters of visible ASCII (letters, digits, punctuation; no spaces), e.g. the"
              + " output of 'openssl rand -hex 32'");
    }
    return new BearerAuthenticator(sha256(token));
  }

  @Override
  public Result authenticate(HttpExchange exchange) {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization == null
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return challenge(exchange, "Bearer realm=\"" + REALM + "\"");
    }
    byte[] presented = sha256(authorization.substring(SCHEME.length()).strip());
    // Digests of equal length, compared without an early exit: the time taken says nothing of
    // the token.
    if (!MessageDigest.isEqual(digest, presented)) {
      return challenge(exchange, "Bearer realm=\"" + REALM + "\", error=\"invalid_token\"");
    }
    return new Success(new HttpPrincipal("bearer", REALM));
  }

  private static Result challenge(HttpExchange exchange, String header) {
    exchange.getResponseHeaders().set("WWW-Authenticate", header);
    return new Retry(401);
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "BearerAuthenticator[token=****]";
  }
}
