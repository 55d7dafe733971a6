package io.agentmq.spi;

import io.agentmq.api.ConfigException;
import io.agentmq.spi.support.MemoryIdempotencyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The one place that opens an {@link IdempotencyStore} for a location: {@code memory} is built in;
 * other locations go to the first installed {@link IdempotencyStoreProvider} that accepts them.
 */
public final class IdempotencyStores {
  /** The location of the built-in store, which forgets on restart. */
  public static final String MEMORY = "memory";

  private IdempotencyStores() {}

  /**
   * Opens the store at {@code location}.
   *
   * @param setting the full name of the setting that gave the location, for the error message
   * @throws ConfigException naming the accepted locations (and never the location's credentials)
   *     when no installed provider accepts it
   */
  public static IdempotencyStore open(String location, Duration retention, String setting) {
    String trimmed = location.trim();
    if (trimmed.equals(MEMORY)) {
      return new MemoryIdempotencyStore(retention);
    }
    List<String> accepted = new ArrayList<>(List.of(MEMORY));
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    for (IdempotencyStoreProvider provider :
        ServiceLoader.load(
            IdempotencyStoreProvider.class,
            loader != null ? loader : IdempotencyStores.class.getClassLoader())) {
      if (provider.accepts(trimmed)) {
        return provider.open(trimmed, retention);
      }
      accepted.add(provider.describe());
    }
    throw new ConfigException(
        setting
            + " names a store no installed provider opens (it starts '"
            + scheme(trimmed)
            + "'); accepted: "
            + String.join(", ", accepted)
            + (accepted.size() == 1
                ? "; a PostgreSQL store needs the dependency io.agentmq:mq-jdbc and a URL"
                    + " jdbc:postgresql://host:port/database"
                : ""));
  }

  /** What a location starts with, up to its first {@code //}: no host, user or password. */
  private static String scheme(String location) {
    int slashes = location.indexOf("//");
    int colon = location.indexOf(':');
    if (slashes >= 0) {
      return location.substring(0, slashes + 2) + "...";
    }
    return colon >= 0 ? location.substring(0, colon + 1) + "..." : "...";
  }
}
