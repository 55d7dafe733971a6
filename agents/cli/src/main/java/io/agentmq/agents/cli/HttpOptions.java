package io.agentmq.agents.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The HTTP endpoint's address and bearer token options, shared by {@code run} and {@code console}.
 */
final class HttpOptions {
  @Option(
      names = "--http-host",
      paramLabel = "HOST",
      defaultValue = HttpEndpoint.DEFAULT_HOST,
      description =
          "the address --http-port listens on (default: ${DEFAULT-VALUE}, this machine only;"
              + " 0.0.0.0 or :: for every interface, best with a token: without one the console is"
              + " read-only there)")
  String host;

  @Option(
      names = "--http-token-file",
      paramLabel = "FILE",
      description =
          "require 'Authorization: Bearer <token>' on every HTTP request, the token read from this"
              + " file (default: $"
              + BearerAuthenticator.ENVIRONMENT_VARIABLE
              + " if set, else no token)")
  Path tokenFile;

  /** The address to serve on {@code port}; see {@link HttpEndpoint#address}. */
  InetSocketAddress address(int port) {
    return HttpEndpoint.address(host, port);
  }

  /** The bearer token every request must carry, when one is configured. */
  Optional<BearerAuthenticator> token() {
    return BearerAuthenticator.load(tokenFile, System.getenv());
  }
}
