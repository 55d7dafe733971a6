package io.agentmq.serialization;

/**
 * Bounds on untrusted input: a payload over {@code maxBytes} or nested deeper than {@code maxDepth}
 * is refused (and dead-lettered) before or while it is parsed.
 *
 * @param maxBytes largest payload decoded, after base64 decoding
 * @param maxDepth deepest message nesting accepted
 */
public record DecodeLimits(int maxBytes, int maxDepth) {
  /** 4 MiB and 64 levels. */
  public static final DecodeLimits DEFAULT = new DecodeLimits(4 << 20, 64);

  public DecodeLimits {
    if (maxBytes < 1 || maxDepth < 1) {
      throw new IllegalArgumentException(
          "decode limits must be positive, were maxBytes=" + maxBytes + ", maxDepth=" + maxDepth);
    }
  }
}
