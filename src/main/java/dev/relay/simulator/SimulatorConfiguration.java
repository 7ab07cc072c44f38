package dev.relay.simulator;

import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the provider simulator when {@code relay.simulator.enabled=true}; without it the
 * application has none of its beans or endpoints.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "relay.simulator", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(SimulatorProperties.class)
class SimulatorConfiguration {

  /** Attempts per callback; with 250 ms doubling the last one goes about 1.75 s after the first. */
  static final int CALLBACK_ATTEMPTS = 4;

  static final Duration CALLBACK_FIRST_BACKOFF = Duration.ofMillis(250);

  static final int CALLBACK_THREADS = 2;

  @Bean
  SimulatorBehaviour simulatorBehaviour(SimulatorProperties properties) {
    return new SimulatorBehaviour(properties);
  }

  @Bean
  SimulatorInbox simulatorInbox() {
    return new SimulatorInbox();
  }

  @Bean
  SimulatorStats simulatorStats() {
    return new SimulatorStats();
  }

  @Bean
  SimulatorListeners simulatorListeners(ObjectProvider<SimulatorListener> listeners) {
    return new SimulatorListeners(listeners.orderedStream().toList());
  }

  @Bean(destroyMethod = "close")
  CallbackSender simulatorCallbackSender(
      SimulatorProperties properties, SimulatorStats stats, SimulatorListeners listeners) {
    return new CallbackSender(stats, listeners, Clock.systemUTC(), CALLBACK_ATTEMPTS,
        CALLBACK_FIRST_BACKOFF, properties.callbackBatchWindow(), CALLBACK_THREADS);
  }

  @Bean
  ProviderSimulator providerSimulator(SimulatorBehaviour behaviour, SimulatorInbox inbox,
      SimulatorStats stats, SimulatorListeners listeners, CallbackSender sender) {
    return new ProviderSimulator(
        behaviour, inbox, stats, listeners, new CallbackPlanner(), sender, Clock.systemUTC());
  }

  /** Learns the main web server's port for a {@code {port}} in the callback URL. */
  @Bean
  ApplicationListener<WebServerInitializedEvent> simulatorPortListener(ProviderSimulator simulator) {
    return event -> {
      if (event.getApplicationContext().getServerNamespace() == null) { // not the management port
        simulator.localPort(event.getWebServer().getPort());
      }
    };
  }
}
