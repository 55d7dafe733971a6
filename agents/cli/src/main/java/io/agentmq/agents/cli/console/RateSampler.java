package io.agentmq.agents.cli.console;

import io.agentmq.micrometer.MessagingMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the messaging counters of {@link MessagingMetrics} from a registry into a {@link
 * RateHistory} on a daemon thread, once per interval, until closed.
 */
final class RateSampler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RateSampler.class);

  private final MeterRegistry registry;
  private final RateHistory history;
  private final ScheduledExecutorService timer;

  /** Starts sampling {@code registry} every {@code interval} into {@code history}. */
  RateSampler(MeterRegistry registry, RateHistory history, Duration interval) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("the sample interval must be positive, was " + interval);
    }
    this.registry = registry;
    this.history = history;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "agentmq-console-rates");
              thread.setDaemon(true);
              return thread;
            });
    timer.scheduleAtFixedRate(this::sampleQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void sampleQuietly() {
    try {
      sample();
    } catch (RuntimeException e) {
      // A failed sample leaves a gap in the chart; the next one goes on.
      LOG.debug("sampling the messaging counters failed: {}", e.toString());
    }
  }

  /** Records the counts of now: settled deliveries by topic and group, stored sends by topic. */
  void sample() {
    Map<String, Double> totals = new HashMap<>();
    for (Timer t : registry.find(MessagingMetrics.HANDLED).timers()) {
      String topic = t.getId().getTag("topic");
      String group = t.getId().getTag("group");
      if (topic != null && group != null) {
        totals.merge(RateHistory.handled(topic), (double) t.count(), Double::sum);
        totals.merge(RateHistory.handled(topic, group), (double) t.count(), Double::sum);
      }
    }
    for (Timer t : registry.find(MessagingMetrics.SENT).tag("result", "success").timers()) {
      String topic = t.getId().getTag("topic");
      if (topic != null) {
        totals.merge(RateHistory.sent(topic), (double) t.count(), Double::sum);
      }
    }
    history.record(System.nanoTime(), totals);
  }

  /** Stops sampling; idempotent. */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
