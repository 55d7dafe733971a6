package io.agentmq.tck;

import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Where a service the tests need comes from: the URL an environment variable names, else the local
 * installation, else a container of a pinned image where Docker runs.
 */
enum ServiceSource {
  /** The URL an environment variable names. */
  ENVIRONMENT,
  /** The service installed on this machine, running or started from its installation. */
  LOCAL,
  /** A Testcontainers container of the pinned image, one per test JVM. */
  CONTAINER;

  /**
   * The first way that works, each asked only when the ones before it did not: a machine with the
   * variable set or the service installed never asks Docker.
   *
   * @param variable the environment variable that names a URL, e.g. {@code AMQP_URL}
   * @param url its value, if set (a blank value counts as unset)
   * @param local makes the local service run: empty when it does, else the one line that says why
   *     not and how to start or install it
   * @param docker whether Docker can run a container
   * @param image the pinned image the container would run
   * @throws IllegalStateException in one line when none works: why the local service is not there
   *     and the three ways to get one (install it, set the variable, make Docker available)
   */
  static ServiceSource choose(
      String variable,
      Optional<String> url,
      Supplier<Optional<String>> local,
      BooleanSupplier docker,
      String image) {
    if (url.filter(u -> !u.isBlank()).isPresent()) {
      return ENVIRONMENT;
    }
    Optional<String> localFailure = local.get();
    if (localFailure.isEmpty()) {
      return LOCAL;
    }
    if (docker.getAsBoolean()) {
      return CONTAINER;
    }
    throw new IllegalStateException(
        localFailure.get()
            + "; or set "
            + variable
            + "; or make a Docker engine available (none was found), and the tests run "
            + image
            + " in a container through Testcontainers");
  }
}
