package dev.relay.channel;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * Per channel, read at each scrape: {@code relay.channel.circuit} (1 for the state the circuit is
 * in, 0 for the others, tag {@code state}), from this node's copy of the shared row (at most a
 * second old); and {@code relay.channel.held}, the messages whose next provider call the circuit
 * or the rate limit holds back now (the channel view's {@code waiting}).
 */
@Component
class CircuitMetrics {

  CircuitMetrics(ChannelPolicies policies, ChannelGuard guard, MeterRegistry registry) {
    for (String channel : policies.names()) {
      for (Circuit state : Circuit.values()) {
        Gauge.builder("relay.channel.circuit", guard, g -> g.circuit(channel) == state ? 1 : 0)
            .tag("channel", channel)
            .tag("state", state.name())
            .description("1 for the state the channel's circuit is in")
            .register(registry);
      }
      Gauge.builder("relay.channel.held", guard, g -> g.held(channel))
          .tag("channel", channel)
          .description("messages whose provider call the circuit or the rate limit holds back now")
          .register(registry);
    }
  }
}
