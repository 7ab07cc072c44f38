package dev.relay.support;

import dev.relay.RelayApplication;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** A whole Relay node in this JVM, for tests that run several nodes or outlive a database. */
public final class RelayNode {

  private RelayNode() {}

  /**
   * Starts Relay with profile "test" on {@code port}; the properties are given as command-line
   * arguments, so they outrank application-test.yml.
   */
  public static ConfigurableApplicationContext start(int port, Map<String, ?> properties) {
    List<String> args = new ArrayList<>();
    args.add("--server.port=" + port);
    properties.forEach((name, value) -> args.add("--" + name + "=" + value));
    return new SpringApplicationBuilder(RelayApplication.class)
        .main(RelayApplication.class)
        .profiles("test")
        .run(args.toArray(String[]::new));
  }
}
