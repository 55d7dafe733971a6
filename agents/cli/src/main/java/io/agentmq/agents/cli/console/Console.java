package io.agentmq.agents.cli.console;

import com.sun.net.httpserver.HttpHandler;
import io.agentmq.api.MessageQueue;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;

/**
 * The web console of one queue: samples its messaging rates from a registry that {@code
 * MessagingMetrics} counts into, and answers the requests under {@link #PATH} with its {@link
 * #handler()}. Thread-safe; {@link #close()} stops the sampling and is idempotent.
 */
public final class Console implements AutoCloseable {
  /** The path the console's pages live under. */
  public static final String PATH = "/console";

  /** How far back the rate chart reaches. */
  public static final Duration HISTORY = Duration.ofMinutes(10);

  /**
   * How the console behaves.
   *
   * @param readOnly refuse replay and purge (and show no buttons for them)
   * @param sampleInterval the time between two samples of the rates
   */
  public record Settings(boolean readOnly, Duration sampleInterval) {
    /** The sample interval unless told otherwise. */
    public static final Duration DEFAULT_SAMPLE_INTERVAL = Duration.ofSeconds(5);

    public Settings {
      Objects.requireNonNull(sampleInterval, "sampleInterval");
      if (sampleInterval.isNegative() || sampleInterval.isZero()) {
        throw new IllegalArgumentException(
            "the console's sample interval must be positive, was " + sampleInterval);
      }
    }

    /** Read-only or not, sampling every {@link #DEFAULT_SAMPLE_INTERVAL}. */
    public static Settings of(boolean readOnly) {
      return new Settings(readOnly, DEFAULT_SAMPLE_INTERVAL);
    }
  }

  private final RateSampler sampler;
  private final ConsoleHandler handler;
  private final boolean readOnly;

  private Console(
      MessageQueue queue, MeterRegistry registry, PayloadDecoder decoder, Settings settings) {
    int slots = (int) Math.max(2, HISTORY.toMillis() / settings.sampleInterval().toMillis());
    RateHistory history = new RateHistory(slots);
    this.sampler = new RateSampler(registry, history, settings.sampleInterval());
    this.readOnly = settings.readOnly();
    this.handler =
        new ConsoleHandler(
            queue,
            new ConsoleReader(queue, history, settings.sampleInterval(), settings.readOnly()),
            decoder,
            settings.readOnly(),
            slots);
  }

  /**
   * Starts sampling {@code registry} for the console of {@code queue}.
   *
   * @param registry where {@code MessagingMetrics} of {@code queue} counts (the console binds
   *     nothing itself)
   * @param decoder turns dead letters' payloads into JSON by their type
   */
  public static Console start(
      MessageQueue queue, MeterRegistry registry, PayloadDecoder decoder, Settings settings) {
    return new Console(
        Objects.requireNonNull(queue, "queue"),
        Objects.requireNonNull(registry, "registry"),
        Objects.requireNonNull(decoder, "decoder"),
        Objects.requireNonNull(settings, "settings"));
  }

  /** Answers the requests whose path is {@link #PATH} or under it; runs on the server's threads. */
  public HttpHandler handler() {
    return handler;
  }

  /** Whether replay and purge are refused. */
  public boolean readOnly() {
    return readOnly;
  }

  /** Stops sampling the rates; idempotent. */
  @Override
  public void close() {
    sampler.close();
  }
}
